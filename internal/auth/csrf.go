package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
)

// PreSessionCookieName names the cookie that CSRF tokens are bound to
// before login. Over HTTPS the cookie is named with the __Host- prefix, so
// another host of the same site cannot set it.
const PreSessionCookieName = "strata_presession"

// CSRF makes and checks the tokens that forms and htmx requests carry
// against cross-site request forgery. A token is an HMAC, under a key
// derived from the session keys, of what it is bound to: the login session
// or, before login, a random pre-session cookie. So a token is good only in
// the session it was made for, and nobody without the key can make one,
// even for a cookie they managed to set. CSRF is safe for concurrent use.
type CSRF struct {
	key    []byte
	secure bool
}

// NewCSRF returns tokens keyed from sessionHashKey (see [LoadOrCreateKeys]);
// secure marks the pre-session cookie Secure.
func NewCSRF(sessionHashKey []byte, secure bool) *CSRF {
	return &CSRF{key: deriveKey(sessionHashKey, "strata csrf token"), secure: secure}
}

// Token returns the token for requests like r: bound to sess when r is of a
// login session (sess not nil), else to r's pre-session cookie, which it
// first sets on w if r has none.
func (x *CSRF) Token(w http.ResponseWriter, r *http.Request, sess *Session) (string, error) {
	binding, ok := x.binding(r, sess)
	if !ok {
		value, err := newToken()
		if err != nil {
			return "", err
		}
		http.SetCookie(w, &http.Cookie{Name: x.cookieName(), Value: value, Path: "/", HttpOnly: true, Secure: x.secure,
			SameSite: http.SameSiteLaxMode})
		binding = "pre:" + value
	}
	return x.token(binding), nil
}

// Valid reports whether token is the token for r, a request of sess (nil
// before login).
func (x *CSRF) Valid(r *http.Request, sess *Session, token string) bool {
	binding, ok := x.binding(r, sess)
	return ok && hmac.Equal([]byte(token), []byte(x.token(binding)))
}

func (x *CSRF) binding(r *http.Request, sess *Session) (string, bool) {
	if sess != nil {
		return "session:" + sess.ID, true
	}
	c, err := r.Cookie(x.cookieName())
	// A value we did not make (newToken's 43 characters) is treated as none.
	if err != nil || len(c.Value) != 43 {
		return "", false
	}
	return "pre:" + c.Value, true
}

func (x *CSRF) token(binding string) string {
	mac := hmac.New(sha256.New, x.key)
	mac.Write([]byte(binding))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (x *CSRF) cookieName() string { return hostCookieName(PreSessionCookieName, x.secure) }

// hostCookieName is name with the __Host- prefix when the cookie is
// Secure: browsers then refuse it from another host of the site, or with
// a Domain or a Path other than /.
func hostCookieName(name string, secure bool) string {
	if secure {
		return "__Host-" + name
	}
	return name
}

// deriveKey returns the key for one purpose derived from master, so that
// what is made for one purpose is never valid for another.
func deriveKey(master []byte, purpose string) []byte {
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte(purpose))
	return mac.Sum(nil)
}
