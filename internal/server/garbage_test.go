package server

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/operations"
	"github.com/stratabackup/strata/internal/schedule"
)

// Garbage sent to every route that changes state: malformed JSON, wrong
// types, out-of-range numbers, NUL and invalid UTF-8.
var garbageJSON = []string{
	``, `{`, `[1,2]`, `null`, `"text"`, `{"id":1e999}`, "\x00\xff\xfe", `{"name":{"a":1}}`,
	`{"name":"\u0000","uri":"\ud800","dsn":-1,"label":[],"keep_days":1e30,"tables":"x","role":"root"}`,
	`{"label":"x","cluster":"pg","collection":"local","recurrence":"* * * * * * *","keep_count":-1}`,
	`{"frequency":"` + strings.Repeat("9", 400) + `"}`,
}

// garbageForm fills every field the console's forms have with bad values.
func garbageForm(value string) url.Values {
	f := url.Values{}
	for _, k := range []string{"name", "uri", "dsn", "kind", "label", "cluster", "database", "tables", "collection",
		"recurrence_kind", "cron", "daily_at", "weekly_day", "weekly_at", "full_kind", "full_cron", "role", "password",
		"password_confirm", "username", "keep_days", "keep_count", "alert_after", "webhook", "frequency", "paused",
		"new_db_name", "into_db", "backup", "as_of", "as_of_system_time", "chain", "incremental", "revision_history",
		"on_execution_failure", "on_previous_running", "first_run", "access_key_id", "secret_access_key", "confirm",
		"table", "schema", "next"} {
		f.Set(k, value)
	}
	return f
}

var garbageValues = []string{"\x00", "\xff\xfe", strings.Repeat("z", 100000), "-99999999999999999999999", "../../../../etc/passwd", "<script>x</script>"}

// TestGarbageToEveryRoute (issue 11) posts garbage to every route that
// changes state, as an admin: each answer is a 4xx with a message (or, for
// a page's form, the page again with the message), never a 5xx or a
// success, and the state store is unchanged.
func TestGarbageToEveryRoute(t *testing.T) {
	env, sch, other := populatedEnv(t)
	admin := env.apiKey("ops", auth.RoleAdmin)
	browser := env.client()
	browser.login("root")
	before := env.stateDump()

	// Paths that name something that exists, and something that does not.
	existing := strings.NewReplacer(":id", "", ":name", "pg", ":db", "postgres")
	for _, r := range env.srv.Routes() {
		if r.Role == Public || r.Method == http.MethodGet || r.SelfService {
			continue
		}
		paths := []string{strings.NewReplacer(":id", "999999", ":name", "nosuch", ":db", "nosuch").Replace(r.Path)}
		if takesInput(r.Method + " " + r.Path) {
			p := r.Path
			switch {
			case strings.HasPrefix(p, "/users/"):
				p = strings.Replace(p, ":id", fmt.Sprint(other.ID), 1)
			case strings.Contains(p, "schedules/:id"):
				p = strings.Replace(p, ":id", fmt.Sprint(sch.ID), 1)
			case strings.HasPrefix(p, "/collections/"):
				p = strings.Replace(p, ":name", "local", 1)
			}
			paths = append(paths, existing.Replace(p))
		}
		for _, path := range paths {
			if strings.HasPrefix(path, "/api/") {
				for _, body := range garbageJSON {
					resp, out := env.apiRequest(r.Method, path, admin, body)
					checkRefused(t, r.Method+" "+path+" "+fmt.Sprintf("%.60q", body), resp, out)
				}
				continue
			}
			for _, v := range garbageValues {
				what := r.Method + " " + path + " " + fmt.Sprintf("%.20q", v)
				resp, out := browser.post(path, garbageForm(v))
				if resp.StatusCode == http.StatusSeeOther {
					// A page's action may refuse by going back with the
					// message in a flash, which the next page shows.
					to := resp.Header.Get("Location")
					if page := env.ok(browser.get(to)); !strings.Contains(page, "flash-error") {
						t.Errorf("%s: redirected to %s without an error", what, to)
					}
					continue
				}
				checkRefused(t, what, resp, out)
			}
		}
	}
	// Pages and reads with garbage in every query parameter: never a 5xx.
	for _, r := range env.srv.Routes() {
		if r.Method != http.MethodGet || r.Path == "/static/*" {
			continue
		}
		for _, v := range garbageValues[:2] {
			q := garbageForm(v)
			for _, k := range []string{"before", "after", "from", "to", "status", "type", "actor", "action", "outcome", "q", "page", "limit", "step", "id"} {
				q.Set(k, v)
			}
			path := existing.Replace(strings.Replace(r.Path, ":id", fmt.Sprint(sch.ID), 1)) + "?" + q.Encode()
			var resp *http.Response
			if strings.HasPrefix(path, "/api/") {
				resp, _ = env.apiRequest("GET", path, admin, "")
			} else {
				resp, _ = browser.get(path)
			}
			if resp.StatusCode >= 500 {
				t.Errorf("GET %s with garbage %.20q: %d", r.Path, v, resp.StatusCode)
			}
		}
	}
	if after := env.stateDump(); after != before {
		t.Errorf("garbage changed the state store:\nbefore %s\nafter  %s", before, after)
	}
}

// populatedEnv is a console with one of each thing routes act on: the
// cluster pg, the collection local, the schedule s, the admin root and
// the auditor bob, which it returns.
func populatedEnv(t testing.TB) (*testEnv, schedule.Schedule, auth.User) {
	env := newTestEnv(t)
	env.addCluster("pg", "postgres://postgres@127.0.0.1:1/postgres")
	env.addUser("root", auth.RoleAdmin)
	bob := env.addUser("bob", auth.RoleAuditor)
	sch, err := env.scheduler.CreateSchedule(context.Background(), operations.ScheduleRequest{Label: "s", Cluster: "pg", Database: "shop",
		Collection: "local", Recurrence: "@daily", IgnoreExistingBackups: true}, "root", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return env, sch, bob
}

// takesInput names the routes whose body says what to change, so garbage
// sent to them must be refused even when their path names something real.
// The others act on what the path names and ignore any body, or (a new
// password) take any text.
func takesInput(route string) bool {
	switch route {
	case "POST /users/:id/role", "POST /schedules/:id", "PATCH /api/v1/schedules/:id",
		"POST /collections/:name/retention", "POST /clusters/:name/managed", "POST /clusters/:name/replica-identity",
		"POST /api/v1/clusters/:name/databases/:db/replica-identity", "POST /collections/:name/chains/remove",
		"POST /collections/:name/expire":
		return true
	}
	return !strings.Contains(route, ":")
}

func checkRefused(t *testing.T, what string, resp *http.Response, body string) {
	t.Helper()
	switch {
	case resp.StatusCode >= 500:
		t.Errorf("%s: %d %.200s", what, resp.StatusCode, body)
	case resp.StatusCode == http.StatusSeeOther:
		t.Errorf("%s: redirected to %s as if it worked", what, resp.Header.Get("Location"))
	case resp.StatusCode < 400:
		t.Errorf("%s: %d, want a refusal: %.200s", what, resp.StatusCode, body)
	case strings.TrimSpace(body) == "" || strings.Contains(body, "went wrong on our side"):
		t.Errorf("%s: %d without a message: %.200s", what, resp.StatusCode, body)
	}
}

// stateDump is every row of the state store that a request could change,
// as text; what merely records that a request came (audit entries,
// sessions, last uses) and what jobs do as they run are left out.
func (e *testEnv) stateDump() string {
	e.t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, name, role, password_hash, disabled, updated_at FROM users ORDER BY id`,
		`SELECT id, name, role, revoked_at FROM api_keys ORDER BY id`,
		`SELECT * FROM settings ORDER BY 1`, `SELECT id, type, cluster, payload, created_by FROM jobs ORDER BY id`, `SELECT * FROM clusters ORDER BY id`,
		`SELECT * FROM collections ORDER BY id`, `SELECT * FROM schedules ORDER BY id`, `SELECT * FROM webhook_deliveries ORDER BY id`,
	} {
		rows, err := e.srv.db.(*sql.DB).Query(q)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			fmt.Fprintf(&b, "%v\n", vals)
		}
		rows.Close()
	}
	return b.String()
}
