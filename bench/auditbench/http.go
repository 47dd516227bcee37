package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/server"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

const benchPassword = "bench password 123"

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// measureHTTP serves the real console on the filled store and times whole
// audit pages over loopback, as an auditor's browser would fetch them.
func measureHTTP(ctx context.Context, b *bench, db *sql.DB, dataDir string, l *audit.Log, day audit.Filter) error {
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

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	body, err := fetch(client, hs.URL+"/login")
	if err != nil {
		return err
	}
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		return fmt.Errorf("no CSRF field on the login page")
	}
	resp, err := client.PostForm(hs.URL+"/login", url.Values{"_csrf": {m[1]}, "username": {"bench-auditor"}, "password": {benchPassword}})
	if err != nil {
		return err
	}
	resp.Body.Close()

	page := func(path string) func() error {
		return func() error {
			body, err := fetch(client, hs.URL+path)
			if err == nil && !strings.Contains(body, "audit-table") {
				err = fmt.Errorf("%s: no entries on the page", path)
			}
			return err
		}
	}
	timeRange := url.Values{"from": {day.From.Format("2006-01-02T15:04")}, "to": {day.To.Format("2006-01-02T15:04")}}
	b.measure("HTTP page /audit (first page)", page("/audit"))
	b.measure("HTTP page /audit?actor=bob", page("/audit?actor=bob"))
	b.measure("HTTP page /audit?outcome=denied", page("/audit?outcome=denied"))
	b.measure("HTTP page /audit, one day", page("/audit?"+timeRange.Encode()))
	b.measure("HTTP page /audit, action + day", page("/audit?action=LOGIN_FAILED&"+timeRange.Encode()))
	return nil
}

func fetch(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	return string(b), err
}
