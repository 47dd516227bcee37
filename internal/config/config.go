package config

import (
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config holds every setting of `strata serve`. Flags win over environment
// variables, which win over the defaults.
type Config struct {
	Addr            string
	DataDir         string
	LogLevel        string
	LogFormat       string
	SessionKey      string // base64, optional; otherwise kept in DataDir
	SecureCookies   bool
	TLSCert         string
	TLSKey          string
	IdleTimeout     time.Duration
	MaxSessionAge   time.Duration
	TrustedProxy    []*net.IPNet
	ChunkSize       int64
	SlotWALWarn     int64 // retained WAL above which a replication slot is a warning
	SlotWALCritical int64 // and above which it is critical
	// Managed backups: on by default, into ManagedLocation (default
	// file://DATA_DIR/managed), kept ManagedKeepAfterRemoval after their
	// cluster is removed.
	ManagedBackups          bool
	ManagedLocation         string
	ManagedAccessKeyID      string // credentials of an S3 managed location
	ManagedSecretAccessKey  string
	ManagedKeepAfterRemoval time.Duration
	// AuditAnchor names the registered collection that also keeps the
	// audit chain's checkpoints; "" for the data dir's file alone.
	AuditAnchor string
}

// Setting describes one setting for the flag set and the README table.
type Setting struct {
	Flag, Env, Default, Help string
}

// Settings lists every setting in the order the README documents them.
var Settings = []Setting{
	{"addr", "STRATA_ADDR", "127.0.0.1:8080", "address the console listens on"},
	{"data-dir", "STRATA_DATA_DIR", "./data", "folder for the state store, keys and local collections"},
	{"log-level", "STRATA_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "STRATA_LOG_FORMAT", "text", "text or json"},
	{"session-key", "STRATA_SESSION_KEY", "", "base64 of 96 random bytes (64-byte signing key then 32-byte encryption key); default: generated into DATA_DIR/session.key"},
	{"secure-cookies", "STRATA_SECURE_COOKIES", "false", "mark cookies Secure; set true behind a TLS-terminating proxy (always on with --tls-cert)"},
	{"tls-cert", "STRATA_TLS_CERT", "", "PEM certificate file; serve HTTPS when set together with --tls-key"},
	{"tls-key", "STRATA_TLS_KEY", "", "PEM private key file"},
	{"session-idle-timeout", "STRATA_SESSION_IDLE_TIMEOUT", "30m", "a session ends after this long without a request"},
	{"session-max-age", "STRATA_SESSION_MAX_AGE", "12h", "a session ends this long after login, active or not"},
	{"trusted-proxies", "STRATA_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed for the client address"},
	{"chunk-size", "STRATA_CHUNK_SIZE", "64MiB", "target size of a backup data file before compression (KiB, MiB or GiB); smaller chunks checkpoint more often"},
	{"slot-wal-warn", "STRATA_SLOT_WAL_WARN", "1GiB", "a replication slot that keeps more WAL on its server than this is shown as a warning on the cluster's page"},
	{"slot-wal-critical", "STRATA_SLOT_WAL_CRITICAL", "10GiB", "a replication slot that keeps more WAL than this is shown as critical"},
	{"managed-backups", "STRATA_MANAGED_BACKUPS", "true", "give every registered cluster a managed backup schedule (hourly, kept 30 days; settable per cluster)"},
	{"managed-location", "STRATA_MANAGED_LOCATION", "", "storage URI of the managed collections, one folder per cluster; default: file://DATA_DIR/managed"},
	{"managed-access-key-id", "STRATA_MANAGED_ACCESS_KEY_ID", "", "access key ID of an s3:// managed location"},
	{"managed-secret-access-key", "STRATA_MANAGED_SECRET_ACCESS_KEY", "", "secret access key of an s3:// managed location; prefer the environment variable to the flag"},
	{"managed-keep-after-removal", "STRATA_MANAGED_KEEP_AFTER_REMOVAL", "30", "days a removed cluster's managed backups are kept before they expire"},
	{auditAnchorFlag, auditAnchorEnv, "", auditAnchorHelp},
}

const (
	auditAnchorFlag = "audit-anchor"
	auditAnchorEnv  = "STRATA_AUDIT_ANCHOR"
	auditAnchorHelp = "name of a registered collection that also keeps the audit chain's checkpoints (under audit-checkpoints/); on S3 with object lock, nobody holding the data dir can remove them"
)

// Parse reads args (without the sub-command) and the environment.
func Parse(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	values := make(map[string]*string, len(Settings))
	for _, s := range Settings {
		def := s.Default
		if v := getenv(s.Env); v != "" {
			def = v
		}
		values[s.Flag] = fs.String(s.Flag, def, s.Help+" (env "+s.Env+")")
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	get := func(name string) string { return strings.TrimSpace(*values[name]) }

	c := Config{
		Addr:        get("addr"),
		DataDir:     get("data-dir"),
		LogLevel:    get("log-level"),
		LogFormat:   get("log-format"),
		SessionKey:  get("session-key"),
		TLSCert:     get("tls-cert"),
		TLSKey:      get("tls-key"),
		AuditAnchor: get(auditAnchorFlag),
	}
	var err error
	if c.SecureCookies, err = strconv.ParseBool(get("secure-cookies")); err != nil {
		return Config{}, fmt.Errorf("secure-cookies must be true or false, not %q", get("secure-cookies"))
	}
	if c.IdleTimeout, err = parsePositiveDuration("session-idle-timeout", get("session-idle-timeout")); err != nil {
		return Config{}, err
	}
	if c.MaxSessionAge, err = parsePositiveDuration("session-max-age", get("session-max-age")); err != nil {
		return Config{}, err
	}
	if c.ChunkSize, err = parseSize("chunk-size", get("chunk-size")); err != nil {
		return Config{}, err
	}
	if c.SlotWALWarn, err = parseSize("slot-wal-warn", get("slot-wal-warn")); err != nil {
		return Config{}, err
	}
	if c.SlotWALCritical, err = parseSize("slot-wal-critical", get("slot-wal-critical")); err != nil {
		return Config{}, err
	}
	if c.SlotWALCritical <= c.SlotWALWarn {
		return Config{}, fmt.Errorf("slot-wal-critical (%s) must be larger than slot-wal-warn (%s)", get("slot-wal-critical"), get("slot-wal-warn"))
	}
	if c.ManagedBackups, err = strconv.ParseBool(get("managed-backups")); err != nil {
		return Config{}, fmt.Errorf("managed-backups must be true or false, not %q", get("managed-backups"))
	}
	c.ManagedLocation = get("managed-location")
	c.ManagedAccessKeyID, c.ManagedSecretAccessKey = get("managed-access-key-id"), get("managed-secret-access-key")
	if (c.ManagedAccessKeyID == "") != (c.ManagedSecretAccessKey == "") {
		return Config{}, fmt.Errorf("managed-access-key-id and managed-secret-access-key must be set together")
	}
	days, err := strconv.Atoi(get("managed-keep-after-removal"))
	if err != nil || days < 1 || days > maxKeepAfterRemovalDays {
		return Config{}, fmt.Errorf("managed-keep-after-removal must be a whole number of days from 1 to %d (got %q)", maxKeepAfterRemovalDays, get("managed-keep-after-removal"))
	}
	c.ManagedKeepAfterRemoval = time.Duration(days) * 24 * time.Hour
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return Config{}, fmt.Errorf("tls-cert and tls-key must be set together")
	}
	if c.TLSCert != "" {
		c.SecureCookies = true
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return Config{}, fmt.Errorf("addr must be HOST:PORT, for example 127.0.0.1:8080 (got %q)", c.Addr)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return Config{}, fmt.Errorf("log-level must be debug, info, warn or error (got %q)", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return Config{}, fmt.Errorf("log-format must be text or json (got %q)", c.LogFormat)
	}
	if c.DataDir == "" {
		return Config{}, fmt.Errorf("data-dir must not be empty")
	}
	for _, cidr := range strings.Split(get("trusted-proxies"), ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			return Config{}, fmt.Errorf("trusted-proxies: %q is not a CIDR such as 10.0.0.0/8", cidr)
		}
		c.TrustedProxy = append(c.TrustedProxy, n)
	}
	return c, nil
}

// maxKeepAfterRemovalDays bounds managed-keep-after-removal: past it, the
// duration would wrap and expire a removed cluster's backups at once.
const maxKeepAfterRemovalDays = 36500

// parseSize reads sizes such as 512KiB, 64MiB or 1GiB, up to 1 EiB.
func parseSize(name, v string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			if x, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64); err == nil && x > 0 && x <= (1<<60)/u.mult {
				return x * u.mult, nil
			}
		}
	}
	return 0, fmt.Errorf("%s must be a size such as 512KiB, 64MiB or 1GiB (got %q)", name, v)
}

func parsePositiveDuration(name, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s must be a positive duration such as 30m or 12h (got %q)", name, v)
	}
	return d, nil
}

// DataDirFromArgs returns the data dir for the smaller sub-commands (user,
// apikey, audit), which take only --data-dir.
func DataDirFromArgs(fs *flag.FlagSet) *string {
	def := os.Getenv("STRATA_DATA_DIR")
	if def == "" {
		def = "./data"
	}
	return fs.String("data-dir", def, "folder of the state store (env STRATA_DATA_DIR)")
}

// AuditAnchorFromArgs defines the --audit-anchor flag on fs, defaulting to
// STRATA_AUDIT_ANCHOR as `strata serve` does, for `strata audit verify`.
func AuditAnchorFromArgs(fs *flag.FlagSet) *string {
	return fs.String(auditAnchorFlag, os.Getenv(auditAnchorEnv), auditAnchorHelp+" (env "+auditAnchorEnv+")")
}
