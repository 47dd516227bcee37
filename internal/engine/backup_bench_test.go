package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

// BenchmarkBackup backs up a table of about 210 MB of COPY text (mixed
// types, ~3x compressible) and reports MB/s of COPY text. The first run
// after loading also sets hint bits; later runs read a settled table.
//
//	go test -run '^$' -bench BenchmarkBackup -benchtime 3x ./internal/engine/
func BenchmarkBackup(b *testing.B) {
	s := pgtest.Start(b)
	s.CreateDatabase(b, "big")
	s.Exec(b, "big", `
CREATE TABLE big (id bigint PRIMARY KEY, a text, b text, n numeric, at timestamptz);
INSERT INTO big SELECT g, md5(g::text) || md5((g * 31)::text), repeat(chr(65 + g % 26), 40), g * 1.25,
                       TIMESTAMPTZ '2024-01-01 00:00:00+00' + g * INTERVAL '1 second'
FROM generate_series(1, 1500000) g;`)
	s.Exec(b, "big", "VACUUM ANALYZE big")
	for _, parallel := range []int{1, 2, 3} {
		b.Run(fmt.Sprintf("parallel=%d", parallel), func(b *testing.B) {
			p := params(s, "big")
			p.Parallel = parallel
			var raw int64
			for b.Loop() {
				b.StopTimer()
				c := newTestCollection(b)
				b.StartTimer()
				m, err := New(nil).Backup(context.Background(), p, c, &fakeTracker{})
				if err != nil {
					b.Fatal(err)
				}
				raw = m.Tables[0].RawBytes
				b.StopTimer()
				DropSlot(context.Background(), p.DSN, m.Slot)
				b.StartTimer()
			}
			b.SetBytes(raw)
		})
	}
}
