package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/auth"
)

// fuzzEnv is a populatedEnv for fuzzing its routes: routes are the API's
// or the pages' routes that change state, path fills in their parameters
// with what the console holds. Inputs write collections under DATADIR,
// which stands for the console's data dir.
func fuzzEnv(f *testing.F, api bool) (env *testEnv, routes []Route, path func(Route) string) {
	env, sch, bob := populatedEnv(f)
	for _, r := range env.srv.Routes() {
		if r.Role != Public && r.Method != http.MethodGet && !r.SelfService && strings.HasPrefix(r.Path, "/api/") == api {
			routes = append(routes, r)
		}
	}
	params := strings.NewReplacer(":name", "pg", ":db", "postgres")
	return env, routes, func(r Route) string {
		switch {
		case strings.HasPrefix(r.Path, "/collections/"):
			return strings.Replace(r.Path, ":name", "local", 1)
		case strings.HasPrefix(r.Path, "/users/"):
			return strings.Replace(r.Path, ":id", fmt.Sprint(bob.ID), 1)
		}
		return params.Replace(strings.Replace(r.Path, ":id", fmt.Sprint(sch.ID), 1))
	}
}

// checkFuzzAnswer fails on a 5xx, and on a refusal that changed the state
// store (a half-saved row).
func checkFuzzAnswer(t *testing.T, env *testEnv, what string, before string, resp *http.Response, body string) {
	t.Helper()
	if resp.StatusCode >= 500 {
		t.Fatalf("%s: %d %.300s", what, resp.StatusCode, body)
	}
	if resp.StatusCode >= 400 {
		if strings.TrimSpace(body) == "" {
			t.Fatalf("%s: %d without a message", what, resp.StatusCode)
		}
		if after := env.stateDump(); after != before {
			t.Fatalf("%s: refused with %d but the state store changed:\nbefore %s\nafter  %s", what, resp.StatusCode, before, after)
		}
	}
}

// FuzzAPIBodies sends any body to any API route that changes state: the
// answer is never a 5xx, and a refusal saves nothing.
func FuzzAPIBodies(f *testing.F) {
	env, routes, path := fuzzEnv(f, true)
	admin := env.apiKey("fuzz", auth.RoleAdmin)
	for i := range routes {
		for _, body := range append(garbageJSON,
			`{"name":"c2","uri":"file://DATADIR/c2"}`, `{"name":"pg2","dsn":"postgres://u@127.0.0.1:1/db"}`,
			`{"label":"x","cluster":"pg","database":"shop","collection":"local","recurrence":"@hourly","ignore_existing_backups":true}`,
			`{"cluster":"pg","collection":"local","database":"shop"}`, `{"name":"u2","role":"admin","password":"correct horse battery"}`,
			`{"tables":["public.t"]}`, `{"keep_days":36501}`) {
			f.Add(uint8(i), body)
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, body string) {
		env.t = t // the helpers may not call f's methods from here
		r := routes[int(i)%len(routes)]
		before := env.stateDump()
		resp, out := env.apiRequest(r.Method, path(r), admin, strings.ReplaceAll(body, "DATADIR", env.dataDir))
		checkFuzzAnswer(t, env, r.Method+" "+r.Path, before, resp, out)
	})
}

// FuzzFormPosts posts any form (with a valid CSRF token) to any page
// action: never a 5xx, and a refusal saves nothing.
func FuzzFormPosts(f *testing.F) {
	env, routes, path := fuzzEnv(f, false)
	browser := env.client()
	browser.login("root")
	for i := range routes {
		for _, v := range garbageValues[:2] {
			f.Add(uint8(i), garbageForm(v).Encode())
		}
		f.Add(uint8(i), "name=c2&uri=file%3A%2F%2FDATADIR%2Fc2&dsn=postgres%3A%2F%2Fu%40127.0.0.1%3A1%2Fdb&label=x&cluster=pg&database=shop&collection=local&recurrence_kind=hourly")
		f.Add(uint8(i), "keep_days=99999999999999999999&keep_count=-1&alert_after=9999999h&role=root&frequency=1s")
		f.Add(uint8(i), "%zz&=&&==")
	}
	f.Fuzz(func(t *testing.T, i uint8, form string) {
		env.t = t // the helpers may not call f's methods from here
		r := routes[int(i)%len(routes)]
		if r.Path == "/logout" {
			return
		}
		values, err := url.ParseQuery(strings.ReplaceAll(form, "DATADIR", url.QueryEscape(env.dataDir)))
		if err != nil {
			values = url.Values{"raw": {form}}
		}
		values.Del("_csrf")
		before := env.stateDump()
		resp, out := browser.post(path(r), values)
		checkFuzzAnswer(t, env, r.Method+" "+r.Path, before, resp, out)
	})
}
