package config

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsEnvAndFlags(t *testing.T) {
	c, err := Parse(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.IdleTimeout != 30*time.Minute || c.ChunkSize != 64<<20 ||
		c.SlotWALWarn != 1<<30 || c.SlotWALCritical != 10<<30 {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Parse([]string{"--addr", "127.0.0.1:9999"}, env(map[string]string{
		"STRATA_ADDR": "127.0.0.1:7000", "STRATA_DATA_DIR": "/tmp/x", "STRATA_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.0/24",
		"STRATA_SLOT_WAL_WARN": "512MiB",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.DataDir != "/tmp/x" || len(c.TrustedProxy) != 2 || c.SlotWALWarn != 512<<20 {
		t.Fatalf("flag over env: %+v", c)
	}
}

func TestBadValuesSayWhatToFix(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "nohostport"}, "HOST:PORT"},
		{[]string{"--session-idle-timeout", "soon"}, "positive duration"},
		{[]string{"--tls-cert", "a.pem"}, "together"},
		{[]string{"--trusted-proxies", "10.0.0.1"}, "CIDR"},
		{[]string{"--log-level", "loud"}, "log-level"},
		{[]string{"--secure-cookies", "maybe"}, "true or false"},
		{[]string{"--chunk-size", "64MB"}, "such as 512KiB"},
		{[]string{"--slot-wal-warn", "lots"}, "slot-wal-warn must be a size"},
		{[]string{"--slot-wal-warn", "20GiB"}, "slot-wal-critical (10GiB) must be larger than slot-wal-warn (20GiB)"},
		// Past their bounds these used to wrap: a negative size, and a
		// negative keep that expired a removed cluster's backups at once.
		{[]string{"--slot-wal-critical", "9999999999999GiB"}, "slot-wal-critical must be a size"},
		{[]string{"--managed-keep-after-removal", "106751991167301"}, "from 1 to 36500"},
	} {
		_, err := Parse(tc.args, env(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want mention of %q", tc.args, err, tc.want)
		}
	}
}

// The README documents every setting, and CI runs exactly the README's test command.
func TestReadmeStaysTrue(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range Settings {
		if !strings.Contains(string(readme), "`--"+s.Flag+"` | `"+s.Env+"`") {
			t.Errorf("README's configuration table lacks --%s / %s", s.Flag, s.Env)
		}
	}
	ci, err := os.ReadFile("../../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`TEST_CMD=\((.*)\)`).FindSubmatch(ci)
	if m == nil {
		t.Fatal(".ci/run has no TEST_CMD=(...) line")
	}
	if !strings.Contains(string(readme), "```sh\n"+string(m[1])+"\n```") {
		t.Errorf("README does not give the test command .ci/run runs: %s", m[1])
	}
}
