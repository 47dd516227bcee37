package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// bench times named operations and prints their latency percentiles.
type bench struct {
	runs    int
	results []result
}

type result struct {
	name     string
	runs     int
	p50, p95 time.Duration
	err      error
}

// measure runs fn b.runs times. fn can be anything that does one request:
// a call into the audit package or an HTTP request to a running console.
func (b *bench) measure(name string, fn func() error) {
	b.measureN(name, b.runs, fn)
}

// measureN runs fn once to warm up, then runs times, and records p50 and p95.
// It stops at the first error and records it instead.
func (b *bench) measureN(name string, runs int, fn func() error) {
	if err := fn(); err != nil {
		b.results = append(b.results, result{name: name, err: err})
		return
	}
	durations := make([]time.Duration, 0, runs)
	for range runs {
		start := time.Now()
		if err := fn(); err != nil {
			b.results = append(b.results, result{name: name, err: err})
			return
		}
		durations = append(durations, time.Since(start))
	}
	slices.Sort(durations)
	b.results = append(b.results, result{
		name: name,
		runs: runs,
		p50:  percentile(durations, 50),
		p95:  percentile(durations, 95),
	})
}

// percentile returns the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (len(sorted)*p + 99) / 100 // ceil(len * p / 100)
	return sorted[max(rank, 1)-1]
}

func (b *bench) print(w io.Writer) {
	fmt.Fprintln(w, "| operation | runs | p50 | p95 |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: |")
	for _, r := range b.results {
		if r.err != nil {
			fmt.Fprintf(w, "| %s | | error: %v | |\n", r.name, r.err)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s |\n", r.name, r.runs, ms(r.p50), ms(r.p95))
	}
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
