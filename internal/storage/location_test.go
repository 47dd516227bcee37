package storage

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := []struct{ in, want string }{
		{"file:///var/backups/strata", "file:///var/backups/strata"},
		{"file:///var/backups/strata/", "file:///var/backups/strata"},
		{"file://localhost/var/backups", "file:///var/backups"},
		{"  file:///tmp/with%20space ", "file:///tmp/with%20space"},
		{"FILE:///x/y", "file:///x/y"},
		{"s3://bucket", "s3://bucket"},
		{"s3://bucket/", "s3://bucket"},
		{"s3://bucket/a/b/", "s3://bucket/a/b"},
		{"s3://my.bucket-1/p?region=eu-west-1", "s3://my.bucket-1/p?region=eu-west-1"},
		{"s3://b12/p?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true",
			"s3://b12/p?endpoint=http%3A%2F%2F127.0.0.1%3A9000&path_style=true&region=us-east-1"},
		{"s3://b12?use_path_style=1&endpoint=https://s3.example.com/", "s3://b12?endpoint=https%3A%2F%2Fs3.example.com&path_style=true"},
	}
	for _, c := range good {
		loc, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got := loc.String(); got != c.want {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.want)
		}
		again, err := Parse(loc.String())
		if err != nil || again.String() != loc.String() {
			t.Errorf("Parse(%q) does not round-trip: %v, %v", loc.String(), again, err)
		}
	}

	bad := []struct{ in, want string }{
		{"", "enter a storage URI"},
		{"/var/backups", "not a storage URI"},
		{"ftp://host/x", `unsupported storage scheme "ftp": use one of file://, s3://`},
		{"file://var/backups", "file:// needs an absolute path such as file:///var/backups/strata"},
		{"file:relative", "file:// needs an absolute path"},
		{"file:///", "not the root"},
		{"file:///x?y=1", "take no options"},
		// Found by FuzzParse: a folder name with a NUL, a control
		// character or bytes that are not UTF-8 was accepted, to fail
		// only when opened.
		{"file:///tmp/a%00b", `the folder "/tmp/a\x00b" is not text`},
		{"file:///tmp/a%0Ab", "is not text"},
		{"file:/\xac0", "is not text"},
		{"s3://", "s3:// needs a bucket name: s3://BUCKET/PREFIX"},
		{"s3:///prefix", "s3:// needs a bucket name"},
		{"s3://Bad_Bucket/x", "not a valid bucket name"},
		{"s3://bucket/a/../b", "prefix"},
		{"s3://bucket/a//b", "prefix"},
		{"s3://bucket?foo=1", `unknown option "foo"`},
		{"s3://bucket?region=a&region=b", "given 2 times"},
		{"s3://bucket?endpoint=127.0.0.1:9000", "endpoint must be an address"},
		{"s3://bucket?endpoint=http://u:p@host", "endpoint must be an address"},
		{"s3://bucket?path_style=maybe", "path_style must be true or false"},
		{"s3://AKIA:supersecret@bucket/x", "remove the credentials"},
		{"s3://bucket/x#frag", "cannot contain '#'"},
	}
	for _, c := range bad {
		_, err := Parse(c.in)
		if err == nil {
			t.Errorf("Parse(%q) = nil error, want %q", c.in, c.want)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %q, want it to contain %q", c.in, err, c.want)
		}
		if strings.Contains(err.Error(), "supersecret") {
			t.Errorf("Parse(%q) error shows the secret: %q", c.in, err)
		}
	}
}

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"s3://bucket/x?region=us-east-1", "s3://bucket/x?region=us-east-1"},
		{"s3://AKIA:secret@bucket/x", "s3://REDACTED@bucket/x"},
		{"s3://bucket/x?secret_access_key=abc&region=r", "s3://bucket/x?region=r&secret_access_key=REDACTED"},
		{"https://h/x?X-Amz-Signature=abc", "https://h/x?X-Amz-Signature=REDACTED"},
		{"azblob://c?sas=sv%3D1", "azblob://c?sas=REDACTED"},
		{"s3://AKIA:sec%ret@bucket/x", "s3://REDACTED@bucket/x"}, // not parseable
		{"::bad:secret@host?token=t", "REDACTED@host"},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCredentialsDoNotPrintSecret(t *testing.T) {
	c := Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "hush"}
	for _, s := range []string{c.String(), c.GoString()} {
		if strings.Contains(s, "hush") || !strings.Contains(s, "AKIA1") {
			t.Errorf("credentials print as %q", s)
		}
	}
}

func TestCheckKey(t *testing.T) {
	valid := []string{
		"a", "a/b", "2026/11/23-193700.12/data/16384/0001.copy.zst", "index/x_y/z.json",
		"COLLECTION.json", "a.b/c.d", "with space/é", ".hidden", "a/.b",
	}
	for _, k := range valid {
		if err := CheckKey(k); err != nil {
			t.Errorf("CheckKey(%q) = %v, want nil", k, err)
		}
	}
	invalid := []string{
		"", "/", "/abs", "a/", "..", "../x", "a/../b", "a/..", "a..b/../c", "x/..y", "a//b",
		`a\b`, `..\x`, "a\x00b", "a\nb", "a\x7f", ".", "./a", "a/./b", "a/.",
		"x.attrs", "x.0123456789abcdef.tmp", string([]byte{0xff, 0xfe}),
		strings.Repeat("a", 256), strings.Repeat("a/", 600),
	}
	for _, k := range invalid {
		if err := CheckKey(k); err == nil {
			t.Errorf("CheckKey(%q) = nil, want an error", k)
		}
	}
}

// FuzzCheckKey checks that no accepted key can name anything outside the
// location's folder, and that every key gocloud's fileblob would escape
// differently from a plain join is refused.
func FuzzCheckKey(f *testing.F) {
	for _, s := range []string{"a/b", "../x", "a/../../b", "a//b", `a\b`, "a\x00", "..", ".", "a/./b", "/etc/passwd", "a/b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if CheckKey(key) != nil {
			return
		}
		root := "/srv/collection"
		p := root + "/" + key
		for seg := range strings.SplitSeq(key, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("accepted key %q has segment %q", key, seg)
			}
		}
		if strings.ContainsAny(key, "\\\x00") || strings.Contains(key, "..") {
			t.Fatalf("accepted key %q", key)
		}
		if !strings.HasPrefix(p, root+"/") {
			t.Fatalf("key %q escapes", key)
		}
	})
}
