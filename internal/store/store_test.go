package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestOpenMigratesAndReopens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", FileName)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO settings(key, value) VALUES ('a', 'b')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key='a'`).Scan(&v); err != nil || v != "b" {
		t.Fatalf("value after reopen = %q, %v", v, err)
	}
	var mode string
	db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}

// What TriggerSQL returns is what SQLite keeps for the migrated triggers.
func TestTriggerSQL(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, name := range []string{"audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"} {
		var kept string
		if err := db.QueryRow(`SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?`, name).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		if got, err := TriggerSQL(name); err != nil || got != kept {
			t.Errorf("TriggerSQL(%s) = %q, %v\nSQLite keeps %q", name, got, err, kept)
		}
	}
	if _, err := TriggerSQL("audit_log"); err == nil {
		t.Error("TriggerSQL of a name no migration creates as a trigger did not fail")
	}
}
