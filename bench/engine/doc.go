// Command engine measures Strata's backup engine against pg_dump and pg_restore on the same data, in the same run, on this machine:
//
//	go run ./bench/engine                  # 1 GiB of table data
//	go run ./bench/engine -size-gb 4 -out /tmp/bench.md
//
// It starts a throwaway PostgreSQL server, generates a dataset of mixed
// types with realistic entropy, and times one after the other: COPY of
// every table to nowhere (what the server can hand out), a Strata full
// backup, pg_dump -Fc, pg_dump -Fd -j N, a Strata restore and pg_restore
// -j N. Strata runs in a child process so that its peak RSS is its own. It
// checks the restored row counts, prints a markdown table with the targets,
// writes it to -out and into the results section of docs/performance.md,
// and removes everything unless -keep.
package main
