package clientaddr

import "testing"

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":               "192.0.2.1",
		"192.0.2.1:51234":         "192.0.2.1",
		"[2001:db8:1:2:3::4]:443": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::9":    "2001:db8:1:2::/64",
		"::ffff:192.0.2.7":        "192.0.2.7",
		"fe80::1%eth0":            "fe80::/64",
		"not an address":          "not an address",
		"":                        "",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
}
