package httpbench

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// Sample is what one run of an operation measured. Took zero: the bench
// times the run itself.
type Sample struct {
	Took  time.Duration
	Bytes int64
}

// Op does one run of an operation.
type Op func() (Sample, error)

// Err makes an Op of fn, for operations that measure nothing themselves.
func Err(fn func() error) Op {
	return func() (Sample, error) { return Sample{}, fn() }
}

// Bench times named operations and keeps their latency percentiles.
type Bench struct {
	Runs int // timed runs per operation, after one untimed warm-up run
	// When one run (the warm-up included) takes longer than Slow, the
	// operation stops after SlowRuns timed runs (Slow zero: never).
	Slow     time.Duration
	SlowRuns int

	Results []Result
}

// Result is an operation's measure, or the error that stopped it.
type Result struct {
	Name          string
	Runs          int
	P50, P95, Max time.Duration
	Bytes         int64 // of the last run
	Capped        bool  // stopped early: a run was slower than Bench.Slow
	Err           error
}

// Measure runs op b.Runs times.
func (b *Bench) Measure(name string, op Op) Result {
	return b.MeasureN(name, b.Runs, op)
}

// MeasureN runs op once to warm up, then runs times, and records p50, p95
// and max. It stops at the first error and records it instead.
func (b *Bench) MeasureN(name string, runs int, op Op) Result {
	r := Result{Name: name}
	durations := make([]time.Duration, 0, runs)
	for i := -1; i < runs; i++ {
		start := time.Now()
		s, err := op()
		if err != nil {
			r = Result{Name: name, Err: err}
			break
		}
		took := s.Took
		if took == 0 {
			took = time.Since(start)
		}
		r.Bytes = s.Bytes
		if b.Slow > 0 && took > b.Slow && runs > b.SlowRuns {
			runs, r.Capped = max(b.SlowRuns, i+1), true
		}
		if i >= 0 {
			durations = append(durations, took)
		}
	}
	if r.Err == nil {
		slices.Sort(durations)
		r.Runs = len(durations)
		r.P50, r.P95 = Percentile(durations, 50), Percentile(durations, 95)
		r.Max = Percentile(durations, 100)
	}
	b.Results = append(b.Results, r)
	return r
}

// Percentile returns the nearest-rank percentile of sorted durations
// (zero for none).
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (len(sorted)*p + 99) / 100 // ceil(len * p / 100)
	return sorted[max(rank, 1)-1]
}

// Print writes the results as a markdown table.
func (b *Bench) Print(w io.Writer) {
	fmt.Fprintln(w, "| operation | runs | p50 | p95 | max |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: |")
	for _, r := range b.Results {
		if r.Err != nil {
			fmt.Fprintf(w, "| %s | | error: %v | | |\n", r.Name, r.Err)
			continue
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", r.Name, r.Runs, Ms(r.P50), Ms(r.P95), Ms(r.Max))
	}
}

// Ms formats d in milliseconds.
func Ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
