package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DeviceCookieName names the cookie that marks a browser someone logged in
// on. Over HTTPS it has the __Host- prefix, so another host of the same
// site cannot replace it.
const DeviceCookieName = "strata_device"

// DeviceCookieAge is how long a device cookie is good for after the login
// that set it.
const DeviceCookieAge = 90 * 24 * time.Hour

// Devices issues and checks device cookies (OWASP's "device cookies").
// After a successful login the browser gets a cookie holding a random
// device ID, when it was issued, and an HMAC of both and the user name under
// a key derived from the session keys: it cannot be forged, nor used for
// another user name. A login attempt that presents a valid one for the
// name typed is counted against that device alone (see [Throttle] and
// [Service.AuthenticateDevice]). Devices is safe for concurrent use.
type Devices struct {
	key    []byte
	secure bool
	now    func() time.Time
}

// NewDevices returns device cookies keyed from sessionHashKey (see
// [LoadOrCreateKeys]); secure marks them Secure. now is the clock (nil:
// time.Now).
func NewDevices(sessionHashKey []byte, secure bool, now func() time.Time) *Devices {
	if now == nil {
		now = time.Now
	}
	return &Devices{key: deriveKey(sessionHashKey, "strata device cookie"), secure: secure, now: now}
}

// Known returns the ID of the device r comes from when it carries a valid
// device cookie for name (in any case), else "".
func (d *Devices) Known(r *http.Request, name string) string {
	c, err := r.Cookie(d.cookieName())
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 || len(parts[0]) != 22 {
		return ""
	}
	id, issued, mac := parts[0], parts[1], parts[2]
	secs, err := strconv.ParseInt(issued, 10, 64)
	if err != nil {
		return ""
	}
	at := time.Unix(secs, 0)
	if age := d.now().Sub(at); age >= DeviceCookieAge || age < -time.Minute {
		return ""
	}
	if !hmac.Equal([]byte(mac), []byte(d.mac(id, issued, name))) {
		return ""
	}
	return id
}

// Remember sets a new device cookie for name on w, after a successful
// login.
func (d *Devices) Remember(w http.ResponseWriter, name string) error {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("auth: read random device id: %w", err)
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	issued := strconv.FormatInt(d.now().Unix(), 10)
	http.SetCookie(w, &http.Cookie{
		Name: d.cookieName(), Value: id + "." + issued + "." + d.mac(id, issued, name),
		Path: "/", MaxAge: int(DeviceCookieAge / time.Second), HttpOnly: true, Secure: d.secure, SameSite: http.SameSiteStrictMode,
	})
	return nil
}

func (d *Devices) mac(id, issued, name string) string {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(id + "\x00" + issued + "\x00" + nameKey(strings.TrimSpace(name))))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (d *Devices) cookieName() string { return hostCookieName(DeviceCookieName, d.secure) }
