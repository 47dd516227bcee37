package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/stratabackup/strata/bench/internal/httpbench"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/schedule"
)

// An endpoint that takes longer than slowRun once is run slowRuns times
// only, so a page that takes minutes at scale does not hold the bench up.
const (
	slowRun  = 10 * time.Second
	slowRuns = 3
)

// fixtures are what the pages are about.
type fixtures struct {
	newestLayer string // a backup's path
	schedule    []schedule.Schedule
	jobs        int
}

type endpoint struct {
	name, path string
	shown      string   // the path in the table, when not path
	api        bool     // needs an API key; else a logged-in session
	want       []string // the body has them all, or the page did not show what it should
}

// measure serves the console on the filled store and times every page
// and list, one request at a time, as the handler sees them (from the
// request reaching the router to the last byte written).
func measure(ctx context.Context, c *console, o options, f fixtures) ([]httpbench.Result, error) {
	_, token, err := c.auth.CreateAPIKey(ctx, "bench", auth.RoleAuditor, benchAdmin)
	if err != nil {
		return nil, err
	}
	timer := httpbench.NewServerTimer()
	hs := httptest.NewServer(timer.Wrap(c.srv.Handler()))
	defer hs.Close()
	browser, err := httpbench.Login(hs.URL, benchAdmin, benchPassword)
	if err != nil {
		return nil, err
	}
	apiClient := &http.Client{}
	bearer := http.Header{"Authorization": {"Bearer " + token}}

	sch := "1"
	if len(f.schedule) > 0 {
		sch = strconv.FormatInt(f.schedule[0].ID, 10)
	}
	jobID := strconv.Itoa(max(f.jobs/2, 1))
	coll := url.PathEscape(collectionName)
	endpoints := []endpoint{
		{name: "home", path: "/", want: w("<strong>"+database(0)+"</strong>", "→")},
		{name: "collections", path: "/collections", want: w(collectionName)},
		{name: "collection page", path: "/collections/" + coll, want: w(f.newestLayer)},
		{name: "backup page (newest layer)", path: "/collections/" + coll + "/backup?path=" + url.QueryEscape(f.newestLayer),
			shown: "/collections/" + coll + "/backup?path=…", want: w(f.newestLayer)},
		{name: "restore wizard: source", path: "/restore?collection=" + coll, want: w(database(0))},
		{name: "restore wizard: scope (latest)", path: "/restore?" + url.Values{"collection": {collectionName}, "database": {database(0)},
			"point": {"latest"}, "step": {"scope"}}.Encode(), want: w("What to restore from " + database(0))},
		{name: "jobs", path: "/jobs", want: w("backup")},
		{name: "jobs, failed", path: "/jobs?status=failed", want: w("failed")},
		{name: "job page", path: "/jobs/" + jobID, want: w("backup")},
		{name: "schedules", path: "/schedules", want: w("hourly")},
		{name: "schedule page", path: "/schedules/" + sch, want: w("hourly")},
		{name: "clusters", path: "/clusters", want: w(clusterName)},
		{name: "cluster page", path: "/clusters/" + clusterName, want: w(clusterName)},
		{name: "audit", path: "/audit"},
		{name: "API collection backups", path: "/api/v1/collections/" + coll + "/backups", api: true, want: w(f.newestLayer)},
		{name: "API jobs", path: "/api/v1/jobs", api: true, want: w("backup")},
		{name: "API schedules", path: "/api/v1/schedules", api: true, want: w("hourly")},
	}

	if o.cpuProfile != "" {
		pf, err := os.Create(o.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	b := &httpbench.Bench{Runs: o.runs, Slow: slowRun, SlowRuns: slowRuns}
	for _, e := range endpoints {
		client, header := browser, http.Header(nil)
		if e.api {
			client, header = apiClient, bearer
		}
		check := func(body []byte) error {
			for _, want := range e.want {
				if !bytes.Contains(body, []byte(want)) {
					err := fmt.Errorf("GET %s: the response does not have %q", e.path, want)
					if m := alert.FindSubmatch(body); m != nil {
						err = fmt.Errorf("%w; it says %q", err, m[1])
					}
					return err
				}
			}
			return nil
		}
		shown := e.path
		if e.shown != "" {
			shown = e.shown
		}
		r := b.Measure(fmt.Sprintf("%s `%s`", e.name, shown), timer.Get(client, hs.URL+e.path, header, check))
		fmt.Fprintf(os.Stderr, "%-40s p95 %s\n", e.name, httpbench.Ms(r.P95))
	}
	return b.Results, nil
}

var alert = regexp.MustCompile(`role="alert">([^<]*)<`)

func w(s ...string) []string { return s }

// targets are issue 13's: every page and list's p95 and size.
type targets struct {
	p95   time.Duration
	bytes int64
}

func printTable(w io.Writer, results []httpbench.Result, t targets) {
	fmt.Fprintln(w, "| endpoint | runs | p50 | p95 | max | bytes | verdict |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, r := range results {
		if r.Err != nil {
			fmt.Fprintf(w, "| %s | | | | | | error: %v |\n", r.Name, r.Err)
			continue
		}
		verdict := "PASS"
		if r.P95 >= t.p95 {
			verdict = "MISS (time)"
		}
		if r.Bytes >= t.bytes {
			if verdict == "PASS" {
				verdict = "MISS (size)"
			} else {
				verdict = "MISS (time, size)"
			}
		}
		runs := strconv.Itoa(r.Runs)
		if r.Capped {
			runs += " (capped: a run took over " + slowRun.String() + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Name, runs,
			httpbench.Ms(r.P50), httpbench.Ms(r.P95), httpbench.Ms(r.Max), kb(r.Bytes), verdict)
	}
}

func kb(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1000) }
