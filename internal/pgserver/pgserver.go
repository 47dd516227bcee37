package pgserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options configure a server. Zero values mean the defaults.
type Options struct {
	Dir       string // data folder; created by initdb when it holds no cluster yet
	Port      int    // 0 picks a free port
	WALLevel  string // default "logical"
	Fast      bool   // fsync and full_page_writes off: for tests, never for data you keep
	ExtraConf []string
}

// Server is a running (or stopped) local PostgreSQL server.
type Server struct {
	Dir  string
	Port int
	bin  string
	cred *syscall.Credential // set when running as root: the server runs as "postgres"
}

// BinDir finds the newest installed PostgreSQL server binaries.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries not found under /usr/lib/postgresql: install them with apt-get install postgresql postgresql-contrib")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// Start initialises Dir when needed and starts the server, waiting until it accepts connections.
func Start(ctx context.Context, o Options) (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: o.Dir, Port: o.Port, bin: bin}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New("running as root needs the postgres user, which Debian's postgresql package creates")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	if s.Port == 0 {
		if s.Port, err = freePort(); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, err
	}
	if s.cred != nil {
		if err := os.Chown(s.Dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return nil, err
		}
	}
	if _, err := os.Stat(filepath.Join(s.Dir, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		if err := s.run(ctx, "initdb", "-D", s.Dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"); err != nil {
			return nil, err
		}
	}
	walLevel := o.WALLevel
	if walLevel == "" {
		walLevel = "logical"
	}
	conf := []string{
		"listen_addresses = '127.0.0.1'",
		fmt.Sprintf("port = %d", s.Port),
		fmt.Sprintf("unix_socket_directories = '%s'", s.Dir),
		"wal_level = " + walLevel,
		"max_replication_slots = 20",
		"max_wal_senders = 20",
		"max_connections = 100",
	}
	if o.Fast {
		conf = append(conf, "fsync = off", "full_page_writes = off", "synchronous_commit = off")
	}
	conf = append(conf, o.ExtraConf...)
	// postgresql.auto.conf is read last and wins over postgresql.conf.
	if err := s.writeFile("postgresql.auto.conf", strings.Join(conf, "\n")+"\n"); err != nil {
		return nil, err
	}
	if err := s.run(ctx, "pg_ctl", "-D", s.Dir, "-l", filepath.Join(s.Dir, "server.log"), "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, s.logTail())
	}
	return s, nil
}

// Stop stops the server (fast shutdown: open sessions are ended).
func (s *Server) Stop(ctx context.Context) error {
	return s.run(ctx, "pg_ctl", "-D", s.Dir, "-m", "fast", "-w", "stop")
}

// DSN is a connection string for the superuser "postgres" to database db.
func (s *Server) DSN(db string) string {
	u := url.URL{Scheme: "postgres", User: url.User("postgres"), Host: fmt.Sprintf("127.0.0.1:%d", s.Port), Path: "/" + db, RawQuery: "sslmode=disable"}
	return u.String()
}

func (s *Server) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = "/"
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(out.String()))
	}
	return nil
}

func (s *Server) writeFile(name, content string) error {
	p := filepath.Join(s.Dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		return err
	}
	if s.cred != nil {
		return os.Chown(p, int(s.cred.Uid), int(s.cred.Gid))
	}
	return nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "server.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	// Give the port back and let the server take it; a race with another
	// process is possible but rare on loopback.
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// WaitReady is for callers that started the server elsewhere: it waits until
// the port accepts TCP connections.
func WaitReady(ctx context.Context, port int) error {
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
