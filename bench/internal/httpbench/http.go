package httpbench

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"time"
)

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Login returns a browser-like client (it keeps cookies) logged in to the
// console at base as user. It follows no redirect, so a page that sends
// it elsewhere (to the login form) fails Fetch.
func Login(base, user, password string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, err := Fetch(client, base+"/login", nil)
	if err != nil {
		return nil, err
	}
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return nil, errors.New("no CSRF field on the login page")
	}
	resp, err := client.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "username": {user}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("login as %s refused: status %d", user, resp.StatusCode)
	}
	return client, nil
}

// Fetch GETs u with header and returns the body of a 200 response.
func Fetch(c *http.Client, u string, header http.Header) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return b, err
}

// ServerTimer times the requests a handler serves, one at a time: the
// bench's requests are sequential.
type ServerTimer struct {
	done chan time.Duration
}

// NewServerTimer returns a timer for Wrap.
func NewServerTimer() *ServerTimer { return &ServerTimer{done: make(chan time.Duration, 16)} }

// Wrap returns h timed by t.
func (t *ServerTimer) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		h.ServeHTTP(w, r)
		select {
		case t.done <- time.Since(start):
		default: // nobody waits for it (a login, a bench that does not time)
		}
	})
}

// Get is an Op that GETs u with c and header, checks the body with check
// (nil: any), and measures the time the handler took and the bytes sent.
func (t *ServerTimer) Get(c *http.Client, u string, header http.Header, check func([]byte) error) Op {
	return func() (Sample, error) {
		for len(t.done) > 0 { // what earlier requests left
			<-t.done
		}
		body, err := Fetch(c, u, header)
		if err == nil && check != nil {
			err = check(body)
		}
		if err != nil {
			return Sample{}, err
		}
		select {
		case took := <-t.done:
			return Sample{Took: took, Bytes: int64(len(body))}, nil
		case <-time.After(10 * time.Second):
			return Sample{}, fmt.Errorf("GET %s: the handler did not return", u)
		}
	}
}
