package server

import (
	"strings"
	"testing"

	"github.com/go-rod/rod"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/testutil/browser"
)

// TestBrowserFirstRunAndAuditor drives the console in headless Chromium: the
// first-run setup, adding an auditor, logging out and in as the auditor, who
// sees the audit log, is shown no control that changes anything, and is
// refused (and audited) when forcing a POST anyway.
func TestBrowserFirstRunAndAuditor(t *testing.T) {
	env := newTestEnv(t)
	b := browser.New(t)
	base := env.http.URL

	// First run: /login sends us to the setup page.
	p := browser.Open(t, b, base+"/login")
	if !strings.HasSuffix(p.MustInfo().URL, "/setup") {
		t.Fatalf("first visit landed on %s, want /setup", p.MustInfo().URL)
	}
	browser.Screenshot(t, p, "setup")
	p.MustElement(`input[name=username]`).MustInput("admin")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	p.MustElement(`input[name=password_confirm]`).MustInput(testPassword)
	submit(p, `form[action="/setup"]`)
	p.MustElementR("h1", "Home")
	browser.Screenshot(t, p, "home")

	// Add an auditor.
	p = browser.Open(t, b, base+"/users")
	p.MustElementR("summary", "Add user").MustClick()
	p.MustElement(`form[action="/users"] input[name=username]`).MustInput("audrey")
	p.MustElement(`form[action="/users"] select[name=role]`).MustSelect("auditor: reads everything, changes nothing")
	p.MustElement(`form[action="/users"] input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/users"]`)
	p.MustElementR(".flash-ok", "User audrey added as auditor")
	browser.Screenshot(t, p, "users")
	p.MustElementR("a", "^audrey$").MustClick()
	p.MustElementR("h1", "audrey")
	browser.Screenshot(t, p, "user")

	// Disabling asks first, in the page's dialog; Cancel changes nothing.
	p.MustElementR("button", "Disable user").MustClick()
	p.MustElement("#confirm-dialog[open]")
	browser.Screenshot(t, p, "confirm")
	p.MustElementR("#confirm-dialog button", "Cancel").MustClick()
	if u, _ := env.auth.GetUserByName(t.Context(), "audrey"); u.Disabled {
		t.Fatal("Cancel in the confirmation dialog disabled the user")
	}
	p.MustElementR("button", "Disable user").MustClick()
	wait := p.MustWaitNavigation()
	p.MustElementR("#confirm-dialog button", "Confirm").MustClick()
	wait()
	p.MustElementR(".flash-ok", "User disabled")
	p.MustElementR("button", "Enable user")
	submit(p, `form[action$="/enable"]`)
	p.MustElementR(".flash-ok", "User enabled")

	// An API key, to see the token shown once.
	p = browser.Open(t, b, base+"/apikeys")
	browser.Screenshot(t, p, "apikeys-empty")
	p.MustElementR("summary", "Create API key").MustClick()
	p.MustElement(`form[action="/apikeys"] input[name=name]`).MustInput("monitoring")
	submit(p, `form[action="/apikeys"]`)
	if tok := p.MustElement("#new-token").MustText(); !strings.HasPrefix(tok, "strata_") {
		t.Fatalf("new token shown as %q", tok)
	}
	browser.Screenshot(t, p, "apikeys-created")

	// Log out, log in as the auditor.
	p.MustElementR("button", "Log out").MustClick()
	p.MustElementR(".flash", "You are logged out")
	browser.Screenshot(t, p, "login")
	p.MustElement(`input[name=username]`).MustInput("audrey")
	p.MustElement(`input[name=password]`).MustInput(testPassword)
	submit(p, `form[action="/login"]`)
	p.MustElementR("h1", "Home")

	// The auditor sees the earlier actions and no control that changes state.
	p = browser.Open(t, b, base+"/audit")
	table := p.MustElement(".audit-table").MustText()
	for _, action := range []string{"SETUP_COMPLETED", "USER_CREATED", "APIKEY_CREATED", "LOGOUT", "LOGIN"} {
		if !strings.Contains(table, action) {
			t.Errorf("audit page lacks %s:\n%s", action, table)
		}
	}
	browser.Screenshot(t, p, "audit-auditor")
	for _, path := range []string{"/", "/users", "/users/1", "/apikeys", "/audit", "/audit/1"} {
		pg := browser.Open(t, b, base+path)
		forms := pg.MustElements(`form[method=post]:not([action="/logout"])`)
		if len(forms) > 0 {
			t.Errorf("auditor sees %d state-changing form(s) on %s, first: %s", len(forms), path, forms[0].MustHTML())
		}
		if path == "/audit/1" {
			browser.Screenshot(t, pg, "audit-entry")
		}
	}

	// Forcing a POST from the auditor's own page is refused and audited.
	status := p.MustEval(`async () => {
		const body = new URLSearchParams({_csrf: document.querySelector('meta[name=csrf-token]').content,
			username: "sneaky", password: "correct horse battery", role: "admin"});
		const r = await fetch("/users", {method: "POST", body});
		return r.status;
	}`).Int()
	if status != 403 {
		t.Fatalf("auditor's forced POST got %d, want 403", status)
	}
	if _, err := env.auth.GetUserByName(t.Context(), "sneaky"); err == nil {
		t.Fatal("auditor's forced POST created a user")
	}
	denied := env.entries(audit.Filter{Actor: "audrey", Action: "ACCESS_DENIED"})
	if len(denied) != 1 || denied[0].Params["path"] != "/users" {
		t.Fatalf("refusal audit entries = %+v", denied)
	}
	p = browser.Open(t, b, base+"/audit?outcome=denied")
	p.MustElementR(".audit-table td", "audrey")
	browser.Screenshot(t, p, "audit-denied")
}

// submit submits the form and waits for the page it leads to.
func submit(p *rod.Page, form string) {
	wait := p.MustWaitNavigation()
	p.MustElement(form + ` button[type=submit]`).MustClick()
	wait()
}
