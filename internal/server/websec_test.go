package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestHSTSOnlyOverTLS (issue 11): a console serving TLS tells browsers to
// use it only over HTTPS; over plain HTTP it says nothing, even when a
// request claims to have come through a TLS proxy.
func TestHSTSOnlyOverTLS(t *testing.T) {
	env := newTestEnv(t)
	const want = "max-age=63072000; includeSubDomains"
	tls := httptest.NewTLSServer(env.srv.Handler())
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != want {
		t.Errorf("over TLS: Strict-Transport-Security = %q, want %q", got, want)
	}

	req, _ := http.NewRequest(http.MethodGet, env.http.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("over plain HTTP: Strict-Transport-Security = %q, want none", got)
	}

	// Behind a TLS-terminating proxy, with --secure-cookies.
	env.srv.secure = true
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != want {
		t.Errorf("behind a TLS proxy: Strict-Transport-Security = %q, want %q", got, want)
	}
}
