package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/schedule"
)

// secretHook is a webhook whose path is a secret: no page, response or
// audit entry may contain it.
const secretHook = "https://hooks.example.com/services/T0/s3cr3t-t0ken"

// unreachableCluster registers cluster "prod" at an address nothing listens
// on: schedules need it registered, not running (their jobs then fail).
func (e *testEnv) unreachableCluster() {
	e.t.Helper()
	if _, err := e.registry.AddCluster(context.Background(), "prod", cluster.KindPostgres, "postgres://strata@127.0.0.1:1/postgres", "test"); err != nil {
		e.t.Fatal(err)
	}
}

// scheduleForm is the form of a new schedule of prod's database shop into
// local, every 15 minutes.
func scheduleForm(label string) url.Values {
	return url.Values{"label": {label}, "cluster": {"prod"}, "database": {"shop"}, "collection": {"local"},
		"recurrence_kind": {"15m"}, "full_kind": {"default"}, "on_execution_failure": {"reschedule"}, "on_previous_running": {"wait"}}
}

func (e *testEnv) onlySchedule() schedule.Schedule {
	e.t.Helper()
	list, err := e.schedules.List(context.Background())
	if err != nil || len(list) != 1 {
		e.t.Fatalf("schedules: %+v %v", list, err)
	}
	return list[0]
}

// noSecret fails when the webhook shows anywhere in bodies or in the audit log.
func (e *testEnv) noSecret(bodies ...string) {
	e.t.Helper()
	for _, b := range bodies {
		if strings.Contains(b, "s3cr3t") {
			e.t.Errorf("a response shows the webhook: %s", b)
		}
	}
	for _, entry := range e.entries(audit.Filter{}) {
		if b, _ := json.Marshal(entry); strings.Contains(string(b), "s3cr3t") || strings.Contains(string(b), "hooks.example.com/services") {
			e.t.Errorf("audit entry %d shows the webhook: %s", entry.ID, b)
		}
	}
}

var flashText = regexp.MustCompile(`class="flash flash-(\w+)" role="status">([^<]*)<`)

// follow gets where a redirect leads and returns the flash it shows.
func (c *client) follow(resp *http.Response) (kind, text, body string) {
	c.env.t.Helper()
	if resp.StatusCode != http.StatusSeeOther {
		c.env.t.Fatalf("got %d, want a redirect", resp.StatusCode)
	}
	body = c.env.ok(c.get(resp.Header.Get("Location")))
	if m := flashText.FindStringSubmatch(body); m != nil {
		return m[1], m[2], body
	}
	return "", "", body
}

// TestScheduleCreateFromTheForm: the empty list says what to do; an
// invalid cron or option comes back on the form with a clear message and
// the typed values, and saves nothing; a valid form saves the schedule,
// whose page describes it in words with its next runs.
func TestScheduleCreateFromTheForm(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.unreachableCluster()
	c := env.client()
	c.login("root")

	body := env.ok(c.get("/schedules"))
	if !strings.Contains(body, "No schedules yet") || !strings.Contains(body, `href="/schedules/new"`) {
		t.Fatalf("empty list: %s", body)
	}
	resp, body := c.get("/schedules/new")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "hourly, at minute 0") || !strings.Contains(body, `<option value="15m"`) {
		t.Fatalf("new form: %d %s", resp.StatusCode, body)
	}

	for want, edit := range map[string]func(url.Values){
		"cron expression &#34;61 * * * *&#34; is not valid": func(f url.Values) { f.Set("recurrence_kind", "cron"); f.Set("cron", "61 * * * *") },
		"it needs five":                         func(f url.Values) { f.Set("recurrence_kind", "cron"); f.Set("cron", "every day") },
		"full backup cadence":                   func(f url.Values) { f.Set("full_kind", "cron"); f.Set("full_cron", "@fortnightly") },
		"is not a time of day":                  func(f url.Values) { f.Set("recurrence_kind", "daily"); f.Set("daily_at", "25:00") },
		"on_execution_failure &#34;ignore&#34;": func(f url.Values) { f.Set("on_execution_failure", "ignore") },
		"is not a duration":                     func(f url.Values) { f.Set("alert_after", "soon") },
		"days to keep must be a whole number":   func(f url.Values) { f.Set("keep_days", "-3") },
	} {
		f := scheduleForm("shop every 15 minutes")
		f.Set("webhook", secretHook)
		edit(f)
		resp, body := c.post("/schedules", f)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(body, `value="shop every 15 minutes"`) ||
			!strings.Contains(body, "The webhook you typed was not kept") {
			t.Errorf("%s: %d %s", want, resp.StatusCode, body)
		}
		env.noSecret(body)
	}
	if list, _ := env.schedules.List(t.Context()); len(list) != 0 {
		t.Fatalf("invalid forms saved schedules: %+v", list)
	}
	if n := len(env.entries(audit.Filter{Action: "SCHEDULE_CREATED", Outcome: audit.OutcomeError})); n != 7 {
		t.Errorf("%d refused creations audited, want 7", n)
	}

	f := scheduleForm("shop every 15 minutes")
	f.Set("webhook", secretHook)
	f.Set("keep_days", "14")
	f.Set("alert_after", "2h")
	kind, text, body := c.follow(func() *http.Response { r, _ := c.post("/schedules", f); return r }())
	if kind != "ok" || !strings.Contains(text, "Schedule shop every 15 minutes created") {
		t.Fatalf("flash %s %q", kind, text)
	}
	sch := env.onlySchedule()
	if sch.Recurrence != "*/15 * * * *" || sch.FullRecurrence != "@daily" || sch.Owner != "root" || sch.Webhook != secretHook ||
		sch.KeepDays != 14 || sch.AlertAfter != 2*time.Hour || sch.State.Paused {
		t.Fatalf("stored %+v", sch)
	}
	if !strings.Contains(body, "every 15 minutes") || !strings.Contains(body, "daily at 00:00 UTC") ||
		strings.Count(regexp.MustCompile(`(?s)<ol class="next-runs" id="next-runs">.*?</ol>`).FindString(body), "<li>") != 5 ||
		!strings.Contains(body, "https://hooks.example.com…") || !strings.Contains(body, "after 2h without a successful run") {
		t.Fatalf("schedule page: %s", body)
	}
	list := env.ok(c.get("/schedules"))
	if !strings.Contains(list, fmt.Sprintf(`href="/schedules/%d"`, sch.ID)) || !strings.Contains(list, "every 15 minutes") || !strings.Contains(list, ">active<") {
		t.Fatalf("list: %s", list)
	}
	created := env.entries(audit.Filter{Action: "SCHEDULE_CREATED", Outcome: audit.OutcomeOK})
	if len(created) != 1 || created[0].Params["webhook_set"] != true || created[0].Params["recurrence"] != "*/15 * * * *" {
		t.Fatalf("audit: %+v", created)
	}
	env.noSecret(body, list)
}

// TestSchedulePreview: the live preview describes presets, daily, weekly
// and cron choices in words with five runs, says what is wrong with a bad
// cron, and swaps in the default full cadence.
func TestSchedulePreview(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("eve", auth.RoleAuditor)
	c := env.client()
	c.login("eve")
	for q, want := range map[string]string{
		"recurrence_kind=5m":                                   "every 5 minutes",
		"recurrence_kind=daily&daily_at=02:30":                 "daily at 02:30 UTC",
		"recurrence_kind=weekly&weekly_day=3&weekly_at=23:05":  "weekly, on Wednesday at 23:05 UTC",
		"recurrence_kind=cron&cron=%40daily":                   "daily at 00:00 UTC",
		"recurrence_kind=cron&cron=0+9-17+*+*+1-5":             "on cron 0 9-17 * * 1-5 (UTC)",
		"recurrence_kind=first&first_run=2099-01-01T00:00":     "choose when the schedule runs",
		"recurrence_kind=cron&cron=61+*+*+*+*":                 "is not valid",
		"recurrence_kind=4h&full_kind=cron&full_cron=%40often": "unrecognized descriptor: @often",
	} {
		_ = want
		resp, body := c.get("/schedules/preview?" + q)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, `"`, "&#34;")) {
			t.Errorf("%s: %d %s", q, resp.StatusCode, body)
		}
	}
	body := env.ok(c.get("/schedules/preview?recurrence_kind=15m&first_run=2099-01-01T00:00"))
	if !strings.Contains(body, "Thu 2099-01-01 00:00 UTC") || strings.Count(body, "<li>") != 5 ||
		!strings.Contains(body, `<span id="full-default" hx-swap-oob="true">daily at 00:00 UTC</span>`) {
		t.Fatalf("preview with a first run: %s", body)
	}
}

// TestScheduleEditActionsAndHistory drives a schedule through its page:
// edit (the webhook kept, then removed), pause, resume, run now (a job
// linked to it, in its run history), duplicate (paused) and drop; and a
// managed schedule can be paused and run but not edited or dropped.
func TestScheduleEditActionsAndHistory(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("root", auth.RoleAdmin)
	env.unreachableCluster()
	c := env.client()
	c.login("root")
	f := scheduleForm("shop")
	f.Set("webhook", secretHook)
	env.wantStatus(http.StatusSeeOther)(c.post("/schedules", f))
	sch := env.onlySchedule()
	base := fmt.Sprintf("/schedules/%d", sch.ID)

	body := env.ok(c.get(base + "/edit"))
	if !strings.Contains(body, `value="shop"`) || !strings.Contains(body, `<option value="15m" selected>`) ||
		!strings.Contains(body, "A webhook is set (https://hooks.example.com…)") {
		t.Fatalf("edit form: %s", body)
	}
	env.noSecret(body)

	edit := scheduleForm("shop nightly")
	edit.Set("recurrence_kind", "daily")
	edit.Set("daily_at", "02:30")
	edit.Set("keep_count", "7")
	resp, body := c.post(base, edit)
	if kind, text, _ := c.follow(resp); kind != "ok" || text != "Schedule shop nightly saved." {
		t.Fatalf("edit: %s %q %s", kind, text, body)
	}
	got, _ := env.schedules.Get(t.Context(), sch.ID)
	if got.Label != "shop nightly" || got.Recurrence != "30 2 * * *" || got.FullRecurrence != "@weekly" || got.KeepCount != 7 || got.Webhook != secretHook {
		t.Fatalf("after edit: %+v", got)
	}
	body = env.ok(c.get(base + "/edit"))
	if !strings.Contains(body, `<option value="daily" selected>`) || !strings.Contains(body, `name="daily_at" value="02:30"`) {
		t.Fatalf("edit form of a daily schedule: %s", body)
	}
	bad := scheduleForm("shop nightly")
	bad.Set("recurrence_kind", "cron")
	bad.Set("cron", "* * *")
	if resp, body := c.post(base, bad); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "has 3 fields") {
		t.Fatalf("bad edit: %d %s", resp.StatusCode, body)
	}
	if again, _ := env.schedules.Get(t.Context(), sch.ID); again.Recurrence != "30 2 * * *" {
		t.Fatalf("a refused edit was stored: %+v", again)
	}
	edit.Set("remove_webhook", "1")
	env.wantStatus(http.StatusSeeOther)(c.post(base, edit))
	if got, _ = env.schedules.Get(t.Context(), sch.ID); got.Webhook != "" {
		t.Fatal("remove webhook kept it")
	}

	resp, _ = c.post(base+"/pause", nil)
	if kind, _, body := c.follow(resp); kind != "ok" || !strings.Contains(body, ">paused<") || !strings.Contains(body, `action="`+base+`/resume"`) {
		t.Fatalf("after pause: %s", body)
	}
	resp, _ = c.post(base+"/resume", nil)
	if kind, text, body := c.follow(resp); kind != "ok" || !strings.Contains(text, "Its next run is at") || !strings.Contains(body, ">active<") {
		t.Fatalf("after resume: %s %s", text, body)
	}

	resp, _ = c.post(base+"/run", nil)
	kind, text, body := c.follow(resp)
	list, _, _ := env.jobs.List(t.Context(), jobs.Filter{ScheduleID: sch.ID}, 0, 10)
	if kind != "ok" || !strings.Contains(text, "Run started") || len(list) != 1 || list[0].ScheduleID != sch.ID ||
		!strings.Contains(body, fmt.Sprintf(`href="/jobs/%d"`, list[0].ID)) || !strings.Contains(body, "<td>full</td>") {
		t.Fatalf("run now: %s %q jobs %+v\n%s", kind, text, list, body)
	}
	// The job fails (nothing listens at prod's address) and shows as the last result.
	deadline := time.Now().Add(30 * time.Second)
	for j, _ := env.jobs.Get(t.Context(), list[0].ID); !j.Status.Terminal(); j, _ = env.jobs.Get(t.Context(), list[0].ID) {
		if time.Now().After(deadline) {
			t.Fatalf("job still %s", j.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if body := env.ok(c.get("/schedules")); !strings.Contains(body, "failing") || !strings.Contains(body, fmt.Sprintf(`href="/jobs/%d"`, list[0].ID)) {
		t.Fatalf("list after a failed run: %s", body)
	}

	resp, _ = c.post(base+"/duplicate", nil)
	kind, text, body = c.follow(resp)
	all, _ := env.schedules.List(t.Context())
	if kind != "ok" || !strings.Contains(text, "Copy created, paused") || len(all) != 2 || !strings.Contains(body, "shop nightly (copy)") {
		t.Fatalf("duplicate: %s %q %+v", kind, text, all)
	}
	var cp schedule.Schedule
	for _, s := range all {
		if s.ID != sch.ID {
			cp = s
		}
	}
	if !cp.State.Paused || cp.Recurrence != "30 2 * * *" || cp.Owner != "root" {
		t.Fatalf("copy: %+v", cp)
	}
	if !strings.Contains(body, `data-confirm="Drop the schedule shop nightly (copy)?`) {
		t.Fatalf("drop asks no confirmation: %s", body)
	}

	resp, _ = c.post(base+"/drop", nil)
	if kind, text, _ := c.follow(resp); kind != "ok" || !strings.Contains(text, "Schedule shop nightly dropped") {
		t.Fatalf("drop: %s %q", kind, text)
	}
	if _, err := env.schedules.Get(t.Context(), sch.ID); err != schedule.ErrNotFound {
		t.Fatalf("dropped schedule: %v", err)
	}
	if j, _ := env.jobs.Get(t.Context(), list[0].ID); j.ScheduleID != 0 {
		t.Fatalf("the dropped schedule's job still links to it: %+v", j)
	}
	if resp, _ := c.get(base); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("dropped schedule's page: %d", resp.StatusCode)
	}

	now := time.Now()
	m, err := env.schedules.Create(t.Context(), schedule.Schedule{Label: "managed: prod", Cluster: "prod", Collection: "local",
		Recurrence: "@hourly", FullRecurrence: "@daily", OnFailure: "reschedule", OnPreviousRunning: "wait", Managed: true, Owner: "strata"}, now, now)
	if err != nil {
		t.Fatal(err)
	}
	mbase := fmt.Sprintf("/schedules/%d", m.ID)
	body = env.ok(c.get(mbase))
	if strings.Contains(body, mbase+"/drop") || strings.Contains(body, mbase+"/edit") || !strings.Contains(body, "changed on the cluster's page") {
		t.Fatalf("managed schedule page: %s", body)
	}
	if body := env.ok(c.get(mbase + "/edit")); strings.Contains(body, `id="schedule-form"`) || !strings.Contains(body, "not here") {
		t.Fatalf("managed edit page: %s", body)
	}
	if resp, body := c.post(mbase, scheduleForm("hijack")); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "cannot be edited here") {
		t.Fatalf("managed edit: %d %s", resp.StatusCode, body)
	}
	resp, _ = c.post(mbase+"/drop", nil)
	if kind, text, _ := c.follow(resp); kind != "error" || !strings.Contains(text, "Not dropped: ") || !strings.Contains(text, "pause it instead") {
		t.Fatalf("managed drop: %s %q", kind, text)
	}
	resp, _ = c.post(mbase+"/pause", nil)
	if kind, _, _ := c.follow(resp); kind != "ok" {
		t.Fatalf("managed pause: %s", kind)
	}

	var actions []string
	for _, e := range env.entries(audit.Filter{Target: "schedule"}) {
		actions = append(actions, e.Action+"/"+e.Outcome)
	}
	for _, want := range []string{"SCHEDULE_CREATED/ok", "SCHEDULE_UPDATED/ok", "SCHEDULE_UPDATED/error", "SCHEDULE_PAUSED/ok",
		"SCHEDULE_RESUMED/ok", "SCHEDULE_RUN/ok", "SCHEDULE_DUPLICATED/ok", "SCHEDULE_DROPPED/ok", "SCHEDULE_DROPPED/error"} {
		if !strings.Contains(strings.Join(actions, " "), want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
	env.noSecret()
}

// TestScheduleAuditorRefused: an auditor sees the pages without a control
// that changes anything, and every state-changing schedule route, page or
// API, refuses them and changes nothing.
func TestScheduleAuditorRefused(t *testing.T) {
	env := newTestEnv(t)
	env.addUser("eve", auth.RoleAuditor)
	env.unreachableCluster()
	key := env.apiKey("reader", auth.RoleAuditor)
	now := time.Now()
	sch, err := env.schedules.Create(t.Context(), schedule.Schedule{Label: "shop", Cluster: "prod", Database: "shop", Collection: "local",
		Recurrence: "@hourly", OnFailure: "reschedule", OnPreviousRunning: "wait", Owner: "root"}, now, now)
	if err != nil {
		t.Fatal(err)
	}
	c := env.client()
	c.login("eve")
	for _, p := range []string{"/schedules", fmt.Sprintf("/schedules/%d", sch.ID)} {
		resp, body := c.get(p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", p, resp.StatusCode)
		}
		if strings.Contains(body, `method="post" action="/schedules`) || strings.Contains(body, "/edit") || strings.Contains(body, "New schedule") {
			t.Errorf("auditor sees schedule controls on %s: %s", p, body)
		}
	}
	checked := 0
	for _, r := range env.srv.Routes() {
		if r.Role != auth.RoleAdmin || !strings.Contains(r.Path, "/schedules") {
			continue
		}
		path := strings.ReplaceAll(r.Path, ":id", fmt.Sprint(sch.ID))
		var resp *http.Response
		switch {
		case strings.HasPrefix(path, "/api/"):
			resp, _ = env.apiRequest(r.Method, path, key, `{"label":"x","cluster":"prod","database":"shop","collection":"local","recurrence":"@daily"}`)
		case r.Method == http.MethodGet:
			resp, _ = c.get(path)
		default:
			resp, _ = c.post(path, scheduleForm("x"))
		}
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s %s: auditor got %d, want 403", r.Method, path, resp.StatusCode)
		}
		checked++
	}
	if checked < 14 {
		t.Fatalf("only %d admin schedule routes checked", checked)
	}
	got, err := env.schedules.Get(t.Context(), sch.ID)
	if list, _ := env.schedules.List(t.Context()); err != nil || len(list) != 1 || got.Label != "shop" || got.State.Paused || !got.UpdatedAt.Equal(sch.UpdatedAt) {
		t.Fatalf("auditor changed schedules: %+v %v", list, err)
	}
	if js, _, _ := env.jobs.List(t.Context(), jobs.Filter{}, 0, 10); len(js) != 0 {
		t.Fatalf("auditor started jobs: %+v", js)
	}
	if n := len(env.entries(audit.Filter{Action: "ACCESS_DENIED"})); n != checked {
		t.Errorf("%d refusals audited, want %d", n, checked)
	}
}

// TestScheduleAPIRoundTrip creates, reads, patches, pauses, resumes, runs,
// duplicates and drops a schedule over the API; errors say what to fix;
// the webhook is write-only.
func TestScheduleAPIRoundTrip(t *testing.T) {
	env := newTestEnv(t)
	env.unreachableCluster()
	admin := env.apiKey("ops", auth.RoleAdmin)
	reader := env.apiKey("reader", auth.RoleAuditor)
	var bodies []string
	call := func(method, path, token, body string, want int) string {
		t.Helper()
		resp, out := env.apiRequest(method, path, token, body)
		bodies = append(bodies, out)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, out, want)
		}
		return out
	}
	decode := func(s string) apiSchedule {
		t.Helper()
		var a apiSchedule
		if err := json.Unmarshal([]byte(s), &a); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		return a
	}

	out := call("POST", "/api/v1/schedules", admin, `{"label":"shop","cluster":"prod","database":"shop","collection":"local","recurrence":"0 25 * * *"}`, 400)
	if !strings.Contains(out, `"error":"cron expression \"0 25 * * *\" is not valid`) {
		t.Fatalf("bad cron: %s", out)
	}
	call("POST", "/api/v1/schedules", admin, `{"label":"shop","cluster":"prod","database":"shop","collection":"local","recurrence":"@hourly","options":{"on_previous_running":"queue"}}`, 400)
	call("POST", "/api/v1/schedules", admin, `{"label":"shop","cluster":"prod","database":"shop","collection":"local","recurrence":"@hourly","options":{"first_run":"tomorrow"}}`, 400)
	// Out of range: refused before anything is saved (this one used to
	// save a schedule whose year-10000 next run no page could read).
	call("POST", "/api/v1/schedules", admin, `{"label":"shop","cluster":"prod","database":"shop","collection":"local","recurrence":"@hourly","options":{"first_run":"9999-12-31T23:59:59Z"}}`, 400)
	call("POST", "/api/v1/schedules", admin, `{"label":"shop","cluster":"prod","database":"shop","collection":"local","recurrence":"@hourly","keep_days":159009088813961}`, 400)
	call("POST", "/api/v1/schedules", admin, `[1,2]`, 400)
	if list, _ := env.schedules.List(t.Context()); len(list) != 0 {
		t.Fatalf("refused requests saved %+v", list)
	}

	out = call("POST", "/api/v1/schedules", admin, `{"label":"shop","cluster":"prod","database":"shop","tables":[],"collection":"local",
		"recurrence":"*/15 * * * *","revision_history":true,"keep_days":30,"alert_after_seconds":7200,
		"options":{"first_run":"2099-01-01T00:00:00Z","on_execution_failure":"retry","webhook":"`+secretHook+`"}}`, 201)
	a := decode(out)
	want := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	if a.ID == 0 || a.RecurrenceWords != "every 15 minutes" || a.FullBackup != "@daily" || !a.RevisionHistory || a.KeepDays != 30 ||
		a.AlertAfterSeconds != 7200 || !a.WebhookSet || a.WebhookHost != "https://hooks.example.com" || a.Options.OnExecutionFailure != "retry" ||
		a.Options.OnPreviousRunning != "wait" || a.Status != "active" || a.Owner != "apikey:ops" || a.NextRun == nil || !a.NextRun.Equal(want) ||
		len(a.NextRuns) != 5 || !a.NextRuns[1].Equal(want.Add(15*time.Minute)) || a.LastResult != nil {
		t.Fatalf("created: %s", out)
	}
	path := fmt.Sprintf("/api/v1/schedules/%d", a.ID)

	if out := call("GET", "/api/v1/schedules", reader, "", 200); !strings.Contains(out, `"label":"shop"`) {
		t.Fatalf("list: %s", out)
	}
	if got := decode(call("GET", path, reader, "", 200)); got.ID != a.ID || got.Recurrence != "*/15 * * * *" {
		t.Fatalf("get: %+v", got)
	}
	call("GET", "/api/v1/schedules/999", reader, "", 404)

	a = decode(call("PATCH", path, admin, `{"recurrence":"0 3 * * 0","full_backup":"default","keep_count":4}`, 200))
	if a.RecurrenceWords != "weekly, on Sunday at 03:00 UTC" || a.FullBackup != "always" || a.KeepCount != 4 || a.KeepDays != 30 || !a.WebhookSet || a.Label != "shop" {
		t.Fatalf("patched: %+v", a)
	}
	call("PATCH", path, admin, `{"full_backup":"@sometimes"}`, 400)
	call("PATCH", path, admin, `{"cluster":"elsewhere"}`, 400)
	if a = decode(call("PATCH", path, admin, `{"options":{"webhook":""}}`, 200)); a.WebhookSet {
		t.Fatalf("webhook not removed: %+v", a)
	}

	if a = decode(call("POST", path+"/pause", admin, "", 200)); a.Status != "paused" || a.NextRun != nil {
		t.Fatalf("paused: %+v", a)
	}
	if a = decode(call("POST", path+"/resume", admin, "", 200)); a.Status != "active" || a.NextRun == nil {
		t.Fatalf("resumed: %+v", a)
	}
	// The job may fail at once (nothing listens at prod's address): only its link is checked.
	if a = decode(call("POST", path+"/run", admin, "", 200)); a.LastRunAt == nil || a.ID == 0 {
		t.Fatalf("run: %+v", a)
	}
	var jl struct {
		Jobs []apiJob `json:"jobs"`
	}
	json.Unmarshal([]byte(call("GET", "/api/v1/jobs", reader, "", 200)), &jl)
	if len(jl.Jobs) != 1 || jl.Jobs[0].ScheduleID != a.ID {
		t.Fatalf("jobs: %+v", jl)
	}
	// Its overlap policy (wait) holds a second run back while the first runs.
	if out := call("POST", path+"/run", admin, "", 409); !strings.Contains(out, "not started") {
		t.Fatalf("second run: %s", out)
	}

	cp := decode(call("POST", path+"/duplicate", admin, "", 201))
	if cp.Label != "shop (copy)" || cp.Status != "paused" || cp.Managed || cp.ID == a.ID {
		t.Fatalf("copy: %+v", cp)
	}
	call("DELETE", path, admin, "", 204)
	call("GET", path, reader, "", 404)
	call("DELETE", path, admin, "", 404)

	for _, action := range []string{"SCHEDULE_CREATED", "SCHEDULE_UPDATED", "SCHEDULE_PAUSED", "SCHEDULE_RESUMED", "SCHEDULE_RUN", "SCHEDULE_DUPLICATED", "SCHEDULE_DROPPED"} {
		entries := env.entries(audit.Filter{Action: action, Outcome: audit.OutcomeOK})
		if len(entries) == 0 || entries[0].Source != audit.SourceAPI || entries[0].Actor != "apikey:ops" {
			t.Errorf("%s audited as %+v", action, entries)
		}
	}
	env.noSecret(bodies...)
}
