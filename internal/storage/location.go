package storage

import (
	"context"
	"errors"
	"fmt"
	"github.com/stratabackup/strata/internal/usererror"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// Location is a parsed storage URI. It holds no credentials.
type Location struct {
	Scheme string // "file", "s3", ...
	// Bucket is the bucket or container name; empty for file locations.
	Bucket string
	// Path is the absolute folder for file locations, and the key prefix
	// inside the bucket otherwise (no leading or trailing slash, "" for the
	// bucket's root).
	Path string
	// Options holds the URI's query parameters, checked by the backend.
	Options url.Values
}

// String returns the location as a URI, in canonical form.
func (l Location) String() string {
	u := url.URL{Scheme: l.Scheme, Host: l.Bucket, RawQuery: l.Options.Encode()}
	switch {
	case l.Bucket == "":
		u.Path = l.Path
	case l.Path != "":
		u.Path = "/" + l.Path
	}
	return u.String()
}

// Backend is one kind of storage, registered under a URI scheme.
type Backend interface {
	// Parse checks a URI of the backend's scheme and returns its location.
	// The URI has already been checked to hold no user info or fragment.
	// Errors are shown to users as they are: say what to fix.
	Parse(u *url.URL) (Location, error)
	// Open connects to a location that Parse returned.
	Open(ctx context.Context, loc Location, creds Credentials) (Bucket, error)
}

var backends = map[string]Backend{}

// Register makes a backend available for a URI scheme. It is meant to be
// called from init functions and panics if the scheme is taken.
func Register(scheme string, b Backend) {
	if _, dup := backends[scheme]; dup {
		panic("storage: backend already registered for " + scheme)
	}
	backends[scheme] = b
}

// Schemes lists the registered URI schemes, sorted.
func Schemes() []string {
	return slices.Sorted(maps.Keys(backends))
}

// MaxURI is the longest storage URI taken, in bytes.
const MaxURI = 2048

// Parse parses a storage URI such as file:///var/backups/strata or
// s3://bucket/prefix?endpoint=...; its errors are written for users.
func Parse(uri string) (Location, error) {
	loc, err := parse(uri)
	if err != nil {
		return Location{}, usererror.Wrap(err, "%s", err.Error())
	}
	return loc, nil
}

func parse(uri string) (Location, error) {
	uri = strings.TrimSpace(uri)
	if uri == "" {
		return Location{}, errors.New("enter a storage URI such as file:///var/backups/strata or s3://BUCKET/PREFIX")
	}
	if len(uri) > MaxURI {
		return Location{}, fmt.Errorf("the storage URI is %d bytes long: at most %d are taken", len(uri), MaxURI)
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return Location{}, fmt.Errorf("%q is not a storage URI: use file:///ABSOLUTE/PATH or s3://BUCKET/PREFIX", Redact(uri))
	}
	scheme := strings.ToLower(u.Scheme)
	b, ok := backends[scheme]
	if !ok {
		return Location{}, fmt.Errorf("unsupported storage scheme %q: use one of %s", u.Scheme, strings.Join(suffixAll(Schemes(), "://"), ", "))
	}
	if u.User != nil {
		return Location{}, fmt.Errorf("remove the credentials from the URI %q: enter the access key and secret in their own fields", Redact(uri))
	}
	if u.Fragment != "" || strings.HasSuffix(uri, "#") {
		return Location{}, fmt.Errorf("a storage URI cannot contain '#': %q", Redact(uri))
	}
	u.Scheme = scheme
	return b.Parse(u)
}

func suffixAll(s []string, suffix string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = v + suffix
	}
	return out
}

// secretParams are query parameters whose values are secrets in the URI
// forms of common storage services (pre-signed URLs, SAS tokens).
var secretParams = []string{
	"secret", "password", "token", "key", "sig", "signature", "credential", "sas",
	"x-amz-credential", "x-amz-signature", "x-amz-security-token", "awsaccesskeyid",
	"access_key", "secret_key", "access_key_id", "secret_access_key",
}

// Redact returns uri with anything that may be a secret (user info,
// secret-looking query values) replaced, for showing or logging a URI that
// a user typed. It does not need uri to be valid.
func Redact(uri string) string {
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil {
		// Unparseable: drop anything between "://" and the last "@", and the query.
		s := uri
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndex(s, "@"); i >= 0 {
			start := strings.Index(s, "://")
			if start < 0 || start > i {
				start = -3
			}
			s = s[:start+3] + "REDACTED" + s[i:]
		}
		return s
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			lk := strings.ToLower(k)
			for _, p := range secretParams {
				if lk == p || strings.Contains(lk, "secret") || strings.Contains(lk, "password") {
					q[k] = []string{"REDACTED"}
					break
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// Credentials are the secrets used to reach a location (for S3 an access key
// pair). They are never part of a URI, a Location or an error message.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

// String hides the secret, so that credentials printed by mistake leak nothing.
func (c Credentials) String() string {
	if c.AccessKeyID == "" && c.SecretAccessKey == "" {
		return "no credentials"
	}
	return "access key " + c.AccessKeyID + " (secret hidden)"
}

// GoString hides the secret from %#v as well.
func (c Credentials) GoString() string { return "storage.Credentials{" + c.String() + "}" }
