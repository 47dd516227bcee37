package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"

	"github.com/stratabackup/strata/bench/internal/httpbench"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/server"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

const benchPassword = "bench password 123"

// measureHTTP serves the real console on the filled store and times whole
// audit pages over loopback, as an auditor's browser would fetch them.
func measureHTTP(ctx context.Context, b *httpbench.Bench, db *sql.DB, dataDir string, l *audit.Log, day audit.Filter) error {
	svc := auth.New(sqlite.NewAuth(db))
	if _, err := svc.CreateUser(ctx, "bench-auditor", benchPassword, auth.RoleAuditor); err != nil {
		return err
	}
	hashKey, blockKey, err := auth.LoadOrCreateKeys(dataDir, "")
	if err != nil {
		return err
	}
	sessions, err := auth.NewSessions(svc, hashKey, blockKey, auth.SessionOptions{})
	if err != nil {
		return err
	}
	srv := server.New(server.Options{Health: db.PingContext, Auth: svc, Sessions: sessions, Audit: l,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), CookieKeys: [2][]byte{hashKey, blockKey}})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()

	client, err := httpbench.Login(hs.URL, "bench-auditor", benchPassword)
	if err != nil {
		return err
	}

	page := func(path string) httpbench.Op {
		return httpbench.Err(func() error {
			body, err := httpbench.Fetch(client, hs.URL+path, nil)
			if err == nil && !bytes.Contains(body, []byte("audit-table")) {
				err = fmt.Errorf("%s: no entries on the page", path)
			}
			return err
		})
	}
	timeRange := url.Values{"from": {day.From.Format("2006-01-02T15:04")}, "to": {day.To.Format("2006-01-02T15:04")}}
	b.Measure("HTTP page /audit (first page)", page("/audit"))
	b.Measure("HTTP page /audit?actor=bob", page("/audit?actor=bob"))
	b.Measure("HTTP page /audit?outcome=denied", page("/audit?outcome=denied"))
	b.Measure("HTTP page /audit, one day", page("/audit?"+timeRange.Encode()))
	b.Measure("HTTP page /audit, action + day", page("/audit?action=LOGIN_FAILED&"+timeRange.Encode()))
	return nil
}
