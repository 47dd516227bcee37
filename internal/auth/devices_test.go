package auth_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
)

// rememberedCookie returns the device cookie d sets for name.
func rememberedCookie(t *testing.T, d *auth.Devices, name string) *http.Cookie {
	t.Helper()
	w := httptest.NewRecorder()
	if err := d.Remember(w, name); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Result().Cookies() {
		if c.Name == auth.DeviceCookieName || c.Name == "__Host-"+auth.DeviceCookieName {
			return c
		}
	}
	t.Fatal("no device cookie set")
	return nil
}

func TestDeviceCookies(t *testing.T) {
	clock := newFakeClock()
	key := make([]byte, 64)
	d := auth.NewDevices(key, false, clock.Now)
	c := rememberedCookie(t, d, "alice")
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure {
		t.Fatalf("cookie attributes: %+v", c)
	}
	id := d.Known(request(c), "alice")
	if id == "" || d.Known(request(c), " ALICE ") != id {
		t.Fatal("a device cookie is not known for its user name")
	}
	if d.Known(request(c), "bob") != "" {
		t.Fatal("alice's device cookie is known for bob")
	}
	if other := rememberedCookie(t, d, "alice"); d.Known(request(other), "alice") == id {
		t.Fatal("two logins got the same device id")
	}
	if auth.NewDevices(append([]byte{1}, key[1:]...), false, clock.Now).Known(request(c), "alice") != "" {
		t.Fatal("a device cookie is known under another key")
	}
	parts := strings.Split(c.Value, ".")
	for _, v := range []string{
		"", "x", parts[0] + "." + parts[1],
		parts[0] + "." + fmt.Sprint(clock.Now().Unix()+3600) + "." + parts[2], // a later issue time
		strings.ToUpper(parts[0]) + "." + parts[1] + "." + parts[2],
	} {
		if d.Known(request(&http.Cookie{Name: auth.DeviceCookieName, Value: v}), "alice") != "" {
			t.Errorf("a tampered cookie %q is known", v)
		}
	}
	clock.Advance(auth.DeviceCookieAge)
	if d.Known(request(c), "alice") != "" {
		t.Fatal("an expired device cookie is known")
	}
	if c := rememberedCookie(t, auth.NewDevices(key, true, nil), "alice"); c.Name != "__Host-"+auth.DeviceCookieName || !c.Secure || c.Path != "/" {
		t.Fatalf("secure device cookie: %+v", c)
	}
}

// TestThrottleKnownDevice (issue 11): a stranger who fails five times for
// a user name locks out unknown clients, not the user's own browser; that
// browser has its own lockout.
func TestThrottleKnownDevice(t *testing.T) {
	e := newEnv(t)
	e.createUser(t, "alice", auth.RoleAdmin)
	devices := auth.NewDevices(make([]byte, 64), false, e.clock.Now)
	own := devices.Known(request(rememberedCookie(t, devices, "alice")), "alice")
	const stranger, home = "203.0.113.66", "192.0.2.10"
	for i := range 5 {
		_, err := e.svc.Authenticate(e.ctx, "alice", fmt.Sprintf("guess %d", i), stranger)
		wantErr(t, err, auth.ErrInvalidCredentials)
	}
	_, err := e.svc.Authenticate(e.ctx, "alice", testPassword, stranger)
	wantErr(t, err, auth.ErrThrottled)
	_, err = e.svc.Authenticate(e.ctx, "alice", testPassword, home)
	wantErr(t, err, auth.ErrThrottled) // from an unknown client, the name is locked

	if _, err := e.svc.AuthenticateDevice(e.ctx, own, "alice", testPassword, home); err != nil {
		t.Fatalf("alice on her own browser: %v", err)
	}
	_, err = e.svc.Authenticate(e.ctx, "alice", testPassword, stranger)
	wantErr(t, err, auth.ErrThrottled) // her login did not lift the stranger's lockout

	// Her browser's own failures lock it, and only it.
	for i := range 5 {
		_, err := e.svc.AuthenticateDevice(e.ctx, own, "alice", fmt.Sprintf("typo %d", i), home)
		wantErr(t, err, auth.ErrInvalidCredentials)
	}
	var te *auth.ThrottledError
	if _, err := e.svc.AuthenticateDevice(e.ctx, own, "alice", testPassword, home); !errors.As(err, &te) || te.RetryAfter != time.Minute {
		t.Fatalf("a device after 5 failures: %v, want a 1-minute lockout", err)
	}
	second := devices.Known(request(rememberedCookie(t, devices, "alice")), "alice")
	if _, err := e.svc.AuthenticateDevice(e.ctx, second, "alice", testPassword, home); err != nil {
		t.Fatalf("alice on another known browser: %v", err)
	}
}
