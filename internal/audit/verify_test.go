package audit

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	store "github.com/stratabackup/strata/internal/store/sqlite"
)

func TestCanonicalEncoding(t *testing.T) {
	r := row{
		id: 42, time: "2026-03-01T09:00:00.000000000Z", actor: "al\"ice", role: "ad\\min\t\r",
		source: "ui", action: "USER_CREATED", targetType: "user", targetID: "bob\n\x01",
		params: `{"a":1,"b":"x"}`, outcome: "ok", message: "", clientAddr: "192.0.2.1",
		reqID: "r1", prevHash: zeroHash,
	}
	want := `{"id":42,"time":"2026-03-01T09:00:00.000000000Z","actor":"al\"ice","role":"ad\\min\t\r",` +
		`"source":"ui","action":"USER_CREATED","target_type":"user","target_id":"bob\n\u0001",` +
		`"params":"{\"a\":1,\"b\":\"x\"}","outcome":"ok","message":"","client_addr":"192.0.2.1",` +
		`"request_id":"r1","prev_hash":"` + zeroHash + `"}`
	if got := string(appendCanonical(nil, &r)); got != want {
		t.Fatalf("canonical encoding\n got %s\nwant %s", got, want)
	}
	sum := sha256.Sum256([]byte(want))
	r.hashVersion = HashSHA256
	if got := newHasher(testKey).hash(&r); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("version 1 hash = %s, want sha256 of the canonical encoding", got)
	}
	mac := hmac.New(sha256.New, bytes.Repeat([]byte{1}, keySize))
	mac.Write([]byte(want))
	r.hashVersion = HashHMAC
	if got := newHasher(testKey).hash(&r); got != hex.EncodeToString(mac.Sum(nil)) {
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
		{"edited and rehashed with the key", rewrite(4, 4, testKey.rehash),
			4, 5, "entry 5: previous-hash link broken (an entry before it was deleted or reordered)"},
		{"edited, chain recomputed with plain SHA-256", rewrite(4, 10, plainSHA256),
			3, 4, "entry 4: its hash is a plain SHA-256 of its content, not an HMAC with the audit key: the chain was recomputed without the key"},
		{"edited, chain recomputed with another key", rewrite(4, 10, otherKey.rehash),
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
		ra.id, rb.id = b, a
		writeRow(t, db, ra)
		writeRow(t, db, rb)
	}
}

// rewrite is an attacker with the file: entry from gets a new actor, and
// it and every entry after it up to to get a hash made by rehash (which may
// also change the version) and a previous-hash link to the rewritten entry
// before.
func rewrite(from, to int64, rehash func(*row)) func(*testing.T, *sql.DB) {
	return func(t *testing.T, db *sql.DB) {
		prev := zeroHash
		if from > 1 {
			prev = readRow(t, db, from-1).hash
		}
		for id := from; id <= to; id++ {
			r := readRow(t, db, id)
			if id == from {
				r.actor = "mallory"
			}
			r.prevHash = prev
			rehash(&r)
			writeRow(t, db, r)
			prev = r.hash
		}
	}
}

// rehash gives r an HMAC with k.
func (k Key) rehash(r *row) {
	r.hashVersion = HashHMAC
	r.hash = newHasher(k).hash(r)
}

func plainSHA256(r *row) { r.hash = newHasher(testKey).plain(r) }

// unkeyed rehashes r as an entry from before keyed hashes.
func unkeyed(r *row) {
	r.hashVersion = HashSHA256
	plainSHA256(r)
}

func readRow(t *testing.T, db *sql.DB, id int64) row {
	t.Helper()
	var r row
	if err := scanRow(db.QueryRow(`SELECT `+columns+` FROM audit_log WHERE id = ?`, id), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func writeRow(t *testing.T, db *sql.DB, r row) {
	t.Helper()
	_, err := db.Exec(`UPDATE audit_log SET time = ?, actor = ?, role = ?, source = ?, action = ?,
		target_type = ?, target_id = ?, params = ?, outcome = ?, message = ?, client_addr = ?,
		request_id = ?, prev_hash = ?, hash = ?, hash_version = ? WHERE id = ?`,
		r.time, r.actor, r.role, r.source, r.action, r.targetType, r.targetID, r.params,
		r.outcome, r.message, r.clientAddr, r.reqID, r.prevHash, r.hash, r.hashVersion, r.id)
	if err != nil {
		t.Fatal(err)
	}
}

// appendUnkeyed appends n entries as the console did before keyed hashes:
// SHA-256, and an INSERT that does not name hash_version.
func appendUnkeyed(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	var last row
	err := scanRow(db.QueryRow(`SELECT `+columns+` FROM audit_log ORDER BY id DESC LIMIT 1`), &last)
	if errors.Is(err, sql.ErrNoRows) {
		last.hash = zeroHash
	} else if err != nil {
		t.Fatal(err)
	}
	h := newHasher(testKey)
	for i := range n {
		r := row{id: last.id + 1, time: t0.Add(time.Duration(last.id) * time.Second).Format(store.TimeLayout),
			actor: "old", role: "admin", source: SourceUI, action: "LOGIN", params: fmt.Sprintf(`{"n":%d}`, i),
			outcome: OutcomeOK, prevHash: last.hash, hashVersion: HashSHA256}
		r.hash = h.hash(&r)
		_, err := db.Exec(`INSERT INTO audit_log (id, time, actor, role, source, action, target_type, target_id,
			params, outcome, message, client_addr, request_id, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, '', '', ?, ?, '', '', '', ?, ?)`,
			r.id, r.time, r.actor, r.role, r.source, r.action, r.params, r.outcome, r.prevHash, r.hash)
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
	if e, _ := l.Get(context.Background(), 5); e.HashVersion != HashSHA256 {
		t.Fatalf("old entry has hash version %d", e.HashVersion)
	}
	if e, _ := l.Get(context.Background(), 6); e.HashVersion != HashHMAC || e.PrevHash != readRow(t, db, 5).hash {
		t.Fatalf("first keyed entry: %+v", e)
	}

	asAttacker(t, l, execSQL(`UPDATE audit_log SET actor = 'mallory' WHERE id = 3`))
	res, _ = l.Verify(context.Background())
	if want := "entry 3: content does not match its hash (edited)"; res.OK || strings.Join(res.Problems, "; ") != want {
		t.Fatalf("old entry edited: %+v, want %q", res, want)
	}
}
