package storage

import (
	"net/url"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/testutil"
	"github.com/stratabackup/strata/internal/usererror"
)

// The fuzz targets below run over their seeds (testdata/fuzz and the
// f.Add calls) as ordinary tests. To look for more:
//
//	go test -fuzz=FuzzParse -fuzztime=60s -parallel=1 ./internal/storage

// FuzzParse: a location Parse accepts is canonical (its String parses
// back to the same location), a file location is a clean absolute folder
// of text that is not the root, an s3 prefix is one CheckKey would take,
// and a key CheckKey takes stays under either; what Parse refuses it says
// why, without the URI's secrets.
func FuzzParse(f *testing.F) {
	f.Add("file:///var/backups/strata", "2026/11/23-193700.12/MANIFEST.json.zst")
	f.Add("s3://bucket/a/b?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true", "../b/x")
	f.Add("s3://AKIA:supersecret@bucket/x?token=t0k3n", "COLLECTION.json")
	f.Fuzz(func(t *testing.T, uri, key string) {
		loc, err := Parse(uri)
		if err != nil {
			testutil.UserError(t, err, uri)
			msg, _ := usererror.Message(err)
			for _, secret := range secretsOf(uri) {
				if strings.Count(uri, secret) != 1 || !strings.Contains(msg, secret) {
					continue
				}
				// Unless the message's own words hold it: the URI with
				// another secret gets them too.
				_, again := Parse(strings.Replace(uri, secret, "Xx", 1))
				if m, _ := usererror.Message(again); !strings.Contains(m, secret) {
					t.Fatalf("Parse(%q) shows the secret %q: %s", uri, secret, msg)
				}
			}
			return
		}
		again, err := Parse(loc.String())
		if err != nil || !reflect.DeepEqual(again, loc) {
			t.Fatalf("Parse(%q) = %+v, whose String %q parses as %+v, %v", uri, loc, loc.String(), again, err)
		}
		switch loc.Scheme {
		case "file":
			if !path.IsAbs(loc.Path) || path.Clean(loc.Path) != loc.Path || loc.Path == "/" || !clean(loc.Path) {
				t.Fatalf("Parse(%q): folder %q", uri, loc.Path)
			}
		case "s3":
			if loc.Path != "" && checkPrefix(loc.Path) != nil {
				t.Fatalf("Parse(%q): prefix %q", uri, loc.Path)
			}
		default:
			t.Fatalf("Parse(%q): scheme %q", uri, loc.Scheme)
		}
		// A key CheckKey takes, joined as the backends join it, stays in
		// the location's folder or under its prefix.
		if CheckKey(key) != nil {
			return
		}
		switch loc.Scheme {
		case "file":
			fb := fileBucket{dir: loc.Path}
			if p := fb.path(key); !strings.HasPrefix(p, loc.Path+string(filepath.Separator)) || filepath.Clean(p) != p {
				t.Fatalf("key %q of %q lands at %q", key, uri, p)
			}
		case "s3":
			if p := path.Join(loc.Path, key); loc.Path != "" && !strings.HasPrefix(p, loc.Path+"/") || path.Clean(p) != loc.Path+"/"+key && loc.Path != "" {
				t.Fatalf("key %q of %q lands at %q", key, uri, p)
			}
		}
	})
}

// clean reports whether a folder's name is text a file system takes as it
// is: valid UTF-8, without NUL or other control characters.
func clean(name string) bool {
	return utf8.ValidString(name) && !strings.ContainsFunc(name, unicode.IsControl)
}

// secretsOf lists what in uri is a secret (a user info's password, the
// value of a secret-looking query parameter), at least 4 bytes long.
func secretsOf(uri string) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	u, err := url.Parse(strings.TrimSpace(uri))
	if err != nil {
		return nil
	}
	if p, ok := u.User.Password(); ok {
		add(p)
	}
	if u.User != nil {
		add(u.User.Username())
	}
	q, _ := url.ParseQuery(u.RawQuery)
	for k, vs := range q {
		lk := strings.ToLower(k)
		for _, s := range secretParams {
			if lk == s || strings.Contains(lk, "secret") || strings.Contains(lk, "password") {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	return out
}

// FuzzRedact: what Redact returns of a URI holds none of its secrets.
func FuzzRedact(f *testing.F) {
	f.Add("s3://AKIA:supersecret@bucket/x?X-Amz-Signature=abcdef&region=r")
	f.Add("::bad:secret@host?token=t")
	f.Fuzz(func(t *testing.T, uri string) {
		shown := Redact(uri)
		for _, secret := range secretsOf(uri) {
			if strings.Count(uri, secret) == 1 && strings.Contains(shown, secret) && !strings.Contains(Redact(strings.Replace(uri, secret, "Xx", 1)), secret) {
				t.Fatalf("Redact(%q) = %q shows %q", uri, shown, secret)
			}
		}
	})
}
