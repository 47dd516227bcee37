package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// phaseTimer is a tracker that notes when each phase starts.
type phaseTimer struct {
	restoreTracker
	mu     sync.Mutex
	starts map[string]time.Time
	order  []string
}

func (p *phaseTimer) Progress(phase string, bytesDone, bytesTotal, rowsDone, rowsTotal int64) {
	p.mu.Lock()
	if p.starts == nil {
		p.starts = map[string]time.Time{}
	}
	if _, ok := p.starts[phase]; !ok {
		p.starts[phase] = time.Now()
		p.order = append(p.order, phase)
	}
	p.mu.Unlock()
}

// TestRestoreSpeed measures a restore of a ~200 MB table (STRATA_BENCH=1):
// the COPY rate of the data phase, the whole restore, and pg_restore -j2
// of a pg_dump -Fc of the same database for comparison.
func TestRestoreSpeed(t *testing.T) {
	if os.Getenv("STRATA_BENCH") == "" {
		t.Skip("set STRATA_BENCH=1 to measure restore speed")
	}
	s := pgtest.Start(t)
	s.CreateDatabase(t, "bench")
	s.Exec(t, "bench", `
CREATE TABLE public.mixed (id bigint PRIMARY KEY, n integer, label text, at timestamptz, amount numeric(12,2), doc jsonb, note text);
INSERT INTO public.mixed
SELECT g, g % 1000, md5(g::text), TIMESTAMPTZ '2024-01-01' + g * INTERVAL '1 second', (g % 100000) / 100.0,
       jsonb_build_object('k', g % 17, 'v', md5((g * 7)::text)), CASE WHEN g % 5 = 0 THEN NULL ELSE repeat(chr(65 + g % 26), 20) END
FROM generate_series(1, 1400000) AS g;
ANALYZE`)
	ctx := context.Background()
	c := newTestCollection(t)
	m, err := New(nil).Backup(ctx, BackupParams{JobID: "bench", DSN: s.DSN("bench"), Database: "bench", Cluster: "t"}, c, &restoreTracker{})
	if err != nil {
		t.Fatal(err)
	}
	raw := float64(m.Tables[0].RawBytes) / 1e6
	files := len(m.Tables[0].Files)

	for _, parallel := range []int{1, 2} {
		tr := &phaseTimer{}
		p := restoreParams(s, m, fmt.Sprintf("bench%d", parallel), fmt.Sprintf("restored%d", parallel))
		p.Parallel = parallel
		start := time.Now()
		if _, err := New(nil).Restore(ctx, p, c, tr); err != nil {
			t.Fatal(err)
		}
		total := time.Since(start)
		data := tr.starts["indexes"].Sub(tr.starts["data"])
		t.Logf("Strata restore, %d connection(s): %.0f MB of COPY text in %d files: data %.1fs (%.0f MB/s), whole restore %.1fs (%.0f MB/s)",
			parallel, raw, files, data.Seconds(), raw/data.Seconds(), total.Seconds(), raw/total.Seconds())
	}

	dump := filepath.Join(t.TempDir(), "bench.dump")
	if out, err := exec.Command("pg_dump", "-Fc", "-Z0", "-f", dump, "--dbname="+s.DSN("bench")).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	for _, j := range []string{"1", "2"} {
		db := "pgrestore" + j
		s.CreateDatabase(t, db)
		start := time.Now()
		if out, err := exec.Command("pg_restore", "-j", j, "--dbname="+s.DSN(db), dump).CombinedOutput(); err != nil {
			t.Fatalf("pg_restore: %v\n%s", err, out)
		}
		d := time.Since(start)
		t.Logf("pg_restore -j%s of pg_dump -Fc -Z0: %.1fs (%.0f MB/s of COPY text)", j, d.Seconds(), raw/d.Seconds())
	}
}
