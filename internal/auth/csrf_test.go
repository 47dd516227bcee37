package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestCSRFTokens(t *testing.T) {
	key := make([]byte, 64)
	x := NewCSRF(key, false)
	a, b := &Session{ID: "aaaa"}, &Session{ID: "bbbb"}
	r := httptest.NewRequest(http.MethodPost, "/", nil)
	ta, err := x.Token(httptest.NewRecorder(), r, a)
	if err != nil {
		t.Fatal(err)
	}
	if !x.Valid(r, a, ta) || x.Valid(r, b, ta) || x.Valid(r, a, "") {
		t.Fatal("a session's token must be valid in that session only")
	}
	if other := NewCSRF(append([]byte{1}, key[1:]...), false); other.Valid(r, a, ta) {
		t.Fatal("a token made with another key is valid")
	}

	// Before login: a pre-session cookie is set, and the token is bound to it.
	w := httptest.NewRecorder()
	tp, err := x.Token(w, r, nil)
	if err != nil {
		t.Fatal(err)
	}
	cookies := w.Result().Cookies()
	if len(cookies) != 1 || cookies[0].Name != PreSessionCookieName || !cookies[0].HttpOnly {
		t.Fatalf("cookies set: %+v", cookies)
	}
	if x.Valid(r, nil, tp) {
		t.Fatal("a request without the pre-session cookie accepted a token")
	}
	r.AddCookie(cookies[0])
	if !x.Valid(r, nil, tp) || x.Valid(r, a, tp) {
		t.Fatal("the pre-session token must be valid before login only")
	}
	w = httptest.NewRecorder()
	if again, _ := x.Token(w, r, nil); again != tp || len(w.Result().Cookies()) != 0 {
		t.Fatal("a request with the cookie got a new one")
	}
	junk := httptest.NewRequest(http.MethodPost, "/", nil)
	junk.AddCookie(&http.Cookie{Name: PreSessionCookieName, Value: "chosen"})
	if x.Valid(junk, nil, "chosen") || x.Valid(junk, nil, x.token("pre:chosen")) {
		t.Fatal("a pre-session cookie we did not make is accepted")
	}

	w = httptest.NewRecorder()
	NewCSRF(key, true).Token(w, httptest.NewRequest(http.MethodGet, "/", nil), nil)
	if c := w.Result().Cookies()[0]; c.Name != "__Host-"+PreSessionCookieName || !c.Secure || c.Path != "/" {
		t.Fatalf("secure pre-session cookie: %+v", c)
	}
}
