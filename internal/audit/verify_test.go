package audit_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/store/sqlite"
)

func TestCanonicalEncoding(t *testing.T) {
	r := audit.Row{
		ID: 42, Time: "2026-03-01T09:00:00.000000000Z", Actor: "al\"ice", Role: "ad\\min\t\r",
		Source: "ui", Action: "USER_CREATED", TargetType: "user", TargetID: "bob\n\x01",
		Params: `{"a":1,"b":"x"}`, Outcome: "ok", Message: "", ClientAddr: "192.0.2.1",
		RequestID: "r1", PrevHash: audit.ZeroHash,
	}
	want := `{"id":42,"time":"2026-03-01T09:00:00.000000000Z","actor":"al\"ice","role":"ad\\min\t\r",` +
		`"source":"ui","action":"USER_CREATED","target_type":"user","target_id":"bob\n\u0001",` +
		`"params":"{\"a\":1,\"b\":\"x\"}","outcome":"ok","message":"","client_addr":"192.0.2.1",` +
		`"request_id":"r1","prev_hash":"` + audit.ZeroHash + `"}`
	if got := string(audit.AppendCanonical(nil, &r)); got != want {
		t.Fatalf("canonical encoding\n got %s\nwant %s", got, want)
	}
	sum := sha256.Sum256([]byte(want))
	r.HashVersion = audit.HashSHA256
	if got := audit.HashWith(testKey, &r); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("version 1 hash = %s, want sha256 of the canonical encoding", got)
	}
	mac := hmac.New(sha256.New, bytes.Repeat([]byte{1}, audit.KeySize))
	mac.Write([]byte(want))
	r.HashVersion = audit.HashHMAC
	if got := audit.HashWith(testKey, &r); got != hex.EncodeToString(mac.Sum(nil)) {
		t.Fatalf("version 2 hash = %s, want HMAC-SHA256 of the canonical encoding with the key", got)
	}
}

func TestTriggersMakeTheLogAppendOnly(t *testing.T) {
	l, db := newLog(t)
	fill(t, l, 3)
	for _, stmt := range []string{
		`UPDATE audit_log SET actor = 'mallory' WHERE id = 2`,
		`DELETE FROM audit_log WHERE id = 3`,
		`DELETE FROM audit_log`,
		`INSERT OR REPLACE INTO audit_log SELECT * FROM audit_log WHERE id = 1`,
		`INSERT INTO audit_log SELECT * FROM audit_log WHERE id = 1
			ON CONFLICT(id) DO UPDATE SET actor = 'mallory'`,
	} {
		_, err := db.Exec(stmt)
		if err == nil || !strings.Contains(err.Error(), "audit log is append-only") {
			t.Errorf("%s: error = %v, want append-only", stmt, err)
		}
	}
	if res, err := l.Verify(context.Background()); err != nil || !res.OK || res.Checked != 3 {
		t.Fatalf("Verify = %+v, %v", res, err)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		tamper  func(t *testing.T, db *sql.DB)
		checked int64
		badID   int64
		reason  string
	}{
		{"untouched", execSQL(), 10, 0, ""},
		{"edited actor", execSQL(`UPDATE audit_log SET actor = 'mallory' WHERE id = 7`),
			6, 7, "entry 7: content does not match its HMAC (edited, or rehashed without the audit key)"},
		{"edited params", execSQL(`UPDATE audit_log SET params = '{"n":99}' WHERE id = 3`),
			2, 3, "entry 3: content does not match its HMAC (edited, or rehashed without the audit key)"},
		{"edited time", execSQL(`UPDATE audit_log SET time = '2020-01-01T00:00:00.000000000Z' WHERE id = 9`),
			8, 9, "entry 9: content does not match its HMAC (edited, or rehashed without the audit key)"},
		{"edited hash", execSQL(`UPDATE audit_log SET hash = 'f' || substr(hash, 2) WHERE id = 4`),
			3, 4, "entry 4: content does not match its HMAC (edited, or rehashed without the audit key)"},
		{"edited and rehashed with the key", rewrite(4, 4, rehash(testKey)),
			4, 5, "entry 5: previous-hash link broken (an entry before it was deleted or reordered)"},
		{"edited, chain recomputed with plain SHA-256", rewrite(4, 10, plainSHA256),
			3, 4, "entry 4: its hash is a plain SHA-256 of its content, not an HMAC with the audit key: the chain was recomputed without the key"},
		{"edited, chain recomputed with another key", rewrite(4, 10, rehash(otherKey)),
			3, 4, "entry 4: content does not match its HMAC (edited, or rehashed without the audit key)"},
		{"edited, tail recomputed unkeyed", rewrite(4, 10, unkeyed),
			3, 4, "entry 4: hashed without the audit key after keyed entries began at entry 1: rewritten without the key"},
		{"version number edited", execSQL(`UPDATE audit_log SET hash_version = 3 WHERE id = 6`),
			5, 6, "entry 6: unknown hash version 3 (edited)"},
		{"deleted", execSQL(`DELETE FROM audit_log WHERE id = 5`),
			4, 6, "entry 6: previous-hash link broken (entry 5 is missing: deleted)"},
		{"deleted several", execSQL(`DELETE FROM audit_log WHERE id BETWEEN 5 AND 7`),
			4, 8, "entry 8: previous-hash link broken (entries 5 to 7 are missing: deleted)"},
		{"deleted first", execSQL(`DELETE FROM audit_log WHERE id = 1`),
			0, 2, "entry 2: previous-hash link broken (entry 1 is missing: deleted)"},
		{"deleted and renumbered", execSQL(`DELETE FROM audit_log WHERE id = 5`, `UPDATE audit_log SET id = id - 1 WHERE id > 5`),
			4, 5, "entry 5: previous-hash link broken (an entry before it was deleted or reordered)"},
		{"reordered", swapRows(4, 8),
			3, 4, "entry 4: previous-hash link broken (an entry before it was deleted or reordered)"},
		// Without checkpoints nothing after the newest entry vouches for it,
		// nor for a chain recomputed wholly without the key
		// (TestVerifyAgainstCheckpoints).
		{"newest deleted", execSQL(`DELETE FROM audit_log WHERE id = 10`), 9, 0, ""},
		{"whole chain recomputed unkeyed", rewrite(1, 10, unkeyed), 10, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, _ := newLog(t)
			fill(t, l, 10)
			asAttacker(t, l, tt.tamper)

			res, err := l.Verify(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.OK != (tt.badID == 0) || res.Checked != tt.checked || res.FirstBadID != tt.badID || strings.Join(res.Problems, "; ") != tt.reason {
				t.Fatalf("Verify = %+v\nwant checked %d, first bad %d, %q", res, tt.checked, tt.badID, tt.reason)
			}
		})
	}
}

func execSQL(stmts ...string) func(*testing.T, *sql.DB) {
	return func(t *testing.T, db *sql.DB) {
		t.Helper()
		for _, stmt := range stmts {
			if _, err := db.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
	}
}

// swapRows exchanges the contents of two entries, keeping their ids.
func swapRows(a, b int64) func(*testing.T, *sql.DB) {
	return func(t *testing.T, db *sql.DB) {
		ra, rb := readRow(t, db, a), readRow(t, db, b)
		ra.ID, rb.ID = b, a
		writeRow(t, db, ra)
		writeRow(t, db, rb)
	}
}

// rewrite is an attacker with the file: entry from gets a new actor, and
// it and every entry after it up to to get a hash made by rehash (which may
// also change the version) and a previous-hash link to the rewritten entry
// before.
func rewrite(from, to int64, rehash func(*audit.Row)) func(*testing.T, *sql.DB) {
	return func(t *testing.T, db *sql.DB) {
		prev := audit.ZeroHash
		if from > 1 {
			prev = readRow(t, db, from-1).Hash
		}
		for id := from; id <= to; id++ {
			r := readRow(t, db, id)
			if id == from {
				r.Actor = "mallory"
			}
			r.PrevHash = prev
			rehash(&r)
			writeRow(t, db, r)
			prev = r.Hash
		}
	}
}

// rehash returns a rehash for rewrite that gives r an HMAC with k.
func rehash(k audit.Key) func(*audit.Row) {
	return func(r *audit.Row) {
		r.HashVersion = audit.HashHMAC
		r.Hash = audit.HashWith(k, r)
	}
}

func plainSHA256(r *audit.Row) { r.Hash = audit.PlainHash(r) }

// unkeyed rehashes r as an entry from before keyed hashes.
func unkeyed(r *audit.Row) {
	r.HashVersion = audit.HashSHA256
	plainSHA256(r)
}

func readRow(t *testing.T, db *sql.DB, id int64) audit.Row {
	t.Helper()
	r, err := sqlite.NewAudit(db).Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func writeRow(t *testing.T, db *sql.DB, r audit.Row) {
	t.Helper()
	_, err := db.Exec(`UPDATE audit_log SET time = ?, actor = ?, role = ?, source = ?, action = ?,
		target_type = ?, target_id = ?, params = ?, outcome = ?, message = ?, client_addr = ?,
		request_id = ?, prev_hash = ?, hash = ?, hash_version = ? WHERE id = ?`,
		r.Time, r.Actor, r.Role, r.Source, r.Action, r.TargetType, r.TargetID, r.Params,
		r.Outcome, r.Message, r.ClientAddr, r.RequestID, r.PrevHash, r.Hash, r.HashVersion, r.ID)
	if err != nil {
		t.Fatal(err)
	}
}

// appendUnkeyed appends n entries as the console did before keyed hashes:
// SHA-256, and an INSERT that does not name hash_version.
func appendUnkeyed(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	last := audit.Row{Hash: audit.ZeroHash}
	if id, _, err := sqlite.NewAudit(db).Newest(context.Background()); err != nil {
		t.Fatal(err)
	} else if id > 0 {
		last = readRow(t, db, id)
	}
	for i := range n {
		r := audit.Row{ID: last.ID + 1, Time: t0.Add(time.Duration(last.ID) * time.Second).Format(audit.TimeLayout),
			Actor: "old", Role: "admin", Source: audit.SourceUI, Action: "LOGIN", Params: fmt.Sprintf(`{"n":%d}`, i),
			Outcome: audit.OutcomeOK, PrevHash: last.Hash, HashVersion: audit.HashSHA256}
		r.Hash = audit.HashWith(testKey, &r)
		_, err := db.Exec(`INSERT INTO audit_log (id, time, actor, role, source, action, target_type, target_id,
			params, outcome, message, client_addr, request_id, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, '', '', '', ?, ?)`,
			r.ID, r.Time, r.Actor, r.Role, r.Source, r.Action, r.Params, r.Outcome, r.PrevHash, r.Hash)
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
}

// A store written before keyed hashes goes on with keyed entries and stays
// intact; its old entries are still checked.
func TestUpgradeFromUnkeyedStore(t *testing.T) {
	l, db := newLog(t)
	appendUnkeyed(t, db, 5)
	res, err := l.Verify(context.Background())
	if err != nil || !res.OK || res.Checked != 5 || res.KeyedFrom != 0 {
		t.Fatalf("old store: %+v, %v", res, err)
	}
	fill(t, l, 5)
	res, err = l.Verify(context.Background())
	if err != nil || !res.OK || res.Checked != 10 || res.KeyedFrom != 6 {
		t.Fatalf("after keyed appends: %+v, %v", res, err)
	}
	if e, _ := l.Get(context.Background(), 5); e.HashVersion != audit.HashSHA256 {
		t.Fatalf("old entry has hash version %d", e.HashVersion)
	}
	if e, _ := l.Get(context.Background(), 6); e.HashVersion != audit.HashHMAC || e.PrevHash != readRow(t, db, 5).Hash {
		t.Fatalf("first keyed entry: %+v", e)
	}

	asAttacker(t, l, execSQL(`UPDATE audit_log SET actor = 'mallory' WHERE id = 3`))
	res, _ = l.Verify(context.Background())
	if want := "entry 3: content does not match its hash (edited)"; res.OK || strings.Join(res.Problems, "; ") != want {
		t.Fatalf("old entry edited: %+v, want %q", res, want)
	}
}
