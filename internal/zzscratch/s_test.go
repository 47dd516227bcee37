package zzscratch

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

func TestHold(t *testing.T) {
	pg := pgtest.Start(t)
	os.WriteFile("/tmp/scratch_dsn", []byte(pg.DSN("postgres")), 0o644)
	fmt.Println(pg.DSN("postgres"))
	time.Sleep(40 * time.Minute)
}
