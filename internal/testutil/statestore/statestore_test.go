package statestore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stratabackup/strata/internal/store/sqlite"
)

func TestOpenSharesTheDirsStore(t *testing.T) {
	dir := t.TempDir()
	a, b := Open(t, dir), Open(t, dir)
	if _, err := os.Stat(filepath.Join(dir, sqlite.FileName)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec(`CREATE TABLE probe (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(`INSERT INTO probe VALUES (1)`); err != nil {
		t.Fatalf("second handle does not see the first's table: %v", err)
	}
}
