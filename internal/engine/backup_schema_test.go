package engine

import (
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/testutil"
)

func TestSplitPassword(t *testing.T) {
	for _, tc := range []struct{ dsn, conn, pw string }{
		{"postgres://u:s3cr%40t@h:5432/db?sslmode=disable", "postgres://u@h:5432/db?sslmode=disable", "s3cr@t"},
		{"postgres://u@h/db?password=pw&sslmode=require", "postgres://u@h/db?sslmode=require", "pw"},
		{"postgresql://h/db", "postgresql://h/db", ""},
		{"host=h user=u password='p w\\'x' dbname='my db'", "host='h' user='u' dbname='my db'", "p w'x"},
		{"host=h password=plain port=5433", "host='h' port='5433'", "plain"},
	} {
		conn, pw, err := splitPassword(tc.dsn)
		if err != nil || conn != tc.conn || pw != tc.pw {
			t.Errorf("splitPassword(%q) = %q, %q, %v; want %q, %q", tc.dsn, conn, pw, err, tc.conn, tc.pw)
		}
	}
}

func TestFindPgDumpRefusesOlderClient(t *testing.T) {
	if _, err := findPgDump(13); err != nil {
		testutil.Need(t, "no pg_dump: "+err.Error(), "apt-get install postgresql-client")
	}
	_, err := findPgDump(99)
	wantUserError(t, err, "cannot dump a PostgreSQL 99 server", "install the PostgreSQL client 99 or later")
	if !strings.Contains(err.Error(), "pg_dump 1") {
		t.Errorf("error does not name the installed pg_dump's version: %v", err)
	}
}

func TestSlotName(t *testing.T) {
	a, b := slotName("Job-42/ABC-def-ghi-jkl"), slotName("Job-42/ABC-def-ghi-jkl")
	if a == b || !strings.HasPrefix(a, "strata_job42abcdefg_") || len(a) > 63 {
		t.Errorf("slot names %q, %q", a, b)
	}
	for _, r := range a {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			t.Errorf("slot name %q has %q", a, r)
		}
	}
	if n := slotName(""); !strings.HasPrefix(n, "strata_") {
		t.Errorf("slot name for no job id: %q", n)
	}
}
