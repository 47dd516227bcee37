package auth_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestCreateFirstAdminConcurrent(t *testing.T) {
	// The public method first checks outside the transaction; createUser
	// with first=true is the check that must hold under concurrency.
	funcs := map[string]func(e *env, name string) (auth.User, error){
		"CreateFirstAdmin": func(e *env, name string) (auth.User, error) {
			return e.svc.CreateFirstAdmin(e.ctx, name, testPassword)
		},
		"transaction only": func(e *env, name string) (auth.User, error) {
			return auth.CreateFirstUser(e.svc, e.ctx, name, testPassword)
		},
	}
	for what, create := range funcs {
		t.Run(what, func(t *testing.T) {
			e := newEnv(t)
			if needed, err := e.svc.NeedsSetup(e.ctx); !needed || err != nil {
				t.Fatalf("NeedsSetup before = %v, %v", needed, err)
			}
			const n = 20
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = create(e, fmt.Sprintf("admin%d", i))
				}()
			}
			close(start)
			wg.Wait()

			created := 0
			for _, err := range errs {
				switch {
				case err == nil:
					created++
				case !errors.Is(err, auth.ErrSetupDone):
					t.Errorf("unexpected error: %v", err)
				}
			}
			users, err := e.svc.ListUsers(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if created != 1 || len(users) != 1 || users[0].Role != auth.RoleAdmin {
				t.Fatalf("created %d, users %+v; want exactly one admin", created, users)
			}
			if needed, err := e.svc.NeedsSetup(e.ctx); needed || err != nil {
				t.Fatalf("NeedsSetup after = %v, %v", needed, err)
			}
			_, err = e.svc.CreateFirstAdmin(e.ctx, "late", testPassword)
			wantErr(t, err, auth.ErrSetupDone)
		})
	}
}

func TestCreateUserValidation(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, " Alice.B-1@x_y ", auth.RoleAuditor)
	if u.Name != "Alice.B-1@x_y" || u.Role != auth.RoleAuditor || u.Disabled || u.ID == 0 {
		t.Fatalf("created %+v", u)
	}
	got, err := e.svc.GetUserByName(e.ctx, "alice.b-1@X_Y")
	if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("GetUserByName = %+v, %v", got, err)
	}
	if got, err := e.svc.GetUser(e.ctx, u.ID); err != nil || got.Name != u.Name {
		t.Fatalf("GetUser = %+v, %v", got, err)
	}
	_, err = e.svc.GetUser(e.ctx, 999)
	wantErr(t, err, auth.ErrUserNotFound)
	_, err = e.svc.GetUserByName(e.ctx, "nobody")
	wantErr(t, err, auth.ErrUserNotFound)

	tests := []struct {
		name, password string
		role           auth.Role
		want           error
	}{
		{"ALICE.b-1@x_y", testPassword, auth.RoleAdmin, auth.ErrNameTaken},
		{"", testPassword, auth.RoleAdmin, auth.ErrNameRequired},
		{strings.Repeat("a", 65), testPassword, auth.RoleAdmin, auth.ErrNameTooLong},
		{"bob smith", testPassword, auth.RoleAdmin, auth.ErrNameInvalid},
		{"josé", testPassword, auth.RoleAdmin, auth.ErrNameInvalid},
		{"bob", "short", auth.RoleAdmin, auth.ErrPasswordTooShort},
		{"bob", testPassword, "root", auth.ErrInvalidRole},
	}
	for _, tt := range tests {
		_, err := e.svc.CreateUser(e.ctx, tt.name, tt.password, tt.role)
		if !errors.Is(err, tt.want) || !errors.As(err, new(*usererror.Error)) {
			t.Errorf("CreateUser(%q, %q, %q) error = %v, want %v", tt.name, tt.password, tt.role, err, tt.want)
		}
	}
	e.createUser(t, strings.Repeat("a", 64), auth.RoleAdmin)
}

func TestLastActiveAdmin(t *testing.T) {
	e := newEnv(t)
	a, err := e.svc.CreateFirstAdmin(e.ctx, "a", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, e.svc.SetDisabled(e.ctx, a.ID, true), auth.ErrLastAdmin)
	wantErr(t, e.svc.SetRole(e.ctx, a.ID, auth.RoleAuditor), auth.ErrLastAdmin)
	if err := e.svc.SetRole(e.ctx, a.ID, auth.RoleAdmin); err != nil {
		t.Fatalf("SetRole to the same role: %v", err)
	}
	if auth.ErrLastAdmin.Error() != "at least one active admin must remain" {
		t.Fatal(auth.ErrLastAdmin)
	}

	// An auditor or a disabled admin does not count.
	c := e.createUser(t, "c", auth.RoleAuditor)
	d := e.createUser(t, "d", auth.RoleAdmin)
	if err := e.svc.SetDisabled(e.ctx, d.ID, true); err != nil {
		t.Fatalf("disable one of two admins: %v", err)
	}
	wantErr(t, e.svc.SetRole(e.ctx, a.ID, auth.RoleAuditor), auth.ErrLastAdmin)
	if err := e.svc.SetDisabled(e.ctx, c.ID, true); err != nil {
		t.Fatalf("disable auditor: %v", err)
	}
	// Demoting or enabling a disabled admin is fine.
	if err := e.svc.SetRole(e.ctx, d.ID, auth.RoleAuditor); err != nil {
		t.Fatalf("demote disabled admin: %v", err)
	}

	b := e.createUser(t, "b", auth.RoleAdmin)
	if err := e.svc.SetRole(e.ctx, a.ID, auth.RoleAuditor); err != nil {
		t.Fatalf("demote one of two admins: %v", err)
	}
	wantErr(t, e.svc.SetDisabled(e.ctx, b.ID, true), auth.ErrLastAdmin)
	if got, _ := e.svc.GetUser(e.ctx, a.ID); got.Role != auth.RoleAuditor {
		t.Fatalf("a after demotion: %+v", got)
	}
	if got, _ := e.svc.GetUser(e.ctx, b.ID); got.Disabled || got.Role != auth.RoleAdmin {
		t.Fatalf("b after refused change: %+v", got)
	}
	wantErr(t, e.svc.SetDisabled(e.ctx, 999, true), auth.ErrUserNotFound)
	wantErr(t, e.svc.SetRole(e.ctx, 999, auth.RoleAdmin), auth.ErrUserNotFound)
	wantErr(t, e.svc.SetRole(e.ctx, b.ID, "root"), auth.ErrInvalidRole)
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	e.createUser(t, "bob", auth.RoleAdmin)

	got, err := e.svc.Authenticate(e.ctx, "Alice", testPassword, "192.0.2.1")
	if err != nil || got.ID != u.ID || got.Role != auth.RoleAdmin {
		t.Fatalf("right password: %+v, %v", got, err)
	}
	_, err = e.svc.Authenticate(e.ctx, "alice", "wrong password!", "192.0.2.1")
	wantErr(t, err, auth.ErrInvalidCredentials)
	_, err = e.svc.Authenticate(e.ctx, "nobody", testPassword, "192.0.2.1")
	wantErr(t, err, auth.ErrInvalidCredentials)
	_, err = e.svc.Authenticate(e.ctx, "not a name", testPassword, "192.0.2.1")
	wantErr(t, err, auth.ErrInvalidCredentials)

	if err := e.svc.SetDisabled(e.ctx, u.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(e.ctx, "alice", testPassword, "192.0.2.1")
	wantErr(t, err, auth.ErrUserDisabled)
	_, err = e.svc.Authenticate(e.ctx, "alice", "wrong password!", "192.0.2.1")
	wantErr(t, err, auth.ErrInvalidCredentials)

	if err := e.svc.SetDisabled(e.ctx, u.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.SetPassword(e.ctx, u.ID, "a new password"); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(e.ctx, "alice", testPassword, "192.0.2.1")
	wantErr(t, err, auth.ErrInvalidCredentials)
	if _, err := e.svc.Authenticate(e.ctx, "alice", "a new password", "192.0.2.1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	wantErr(t, e.svc.SetPassword(e.ctx, u.ID, "short"), auth.ErrPasswordTooShort)
	wantErr(t, e.svc.SetPassword(e.ctx, 999, "long enough password"), auth.ErrUserNotFound)
}

func TestAuthenticateRehashes(t *testing.T) {
	e := newEnv(t)
	u := e.createUser(t, "alice", auth.RoleAdmin)
	defer auth.SetHashTime(2)()

	if _, err := e.svc.Authenticate(e.ctx, "alice", testPassword, ""); err != nil {
		t.Fatal(err)
	}
	var hash string
	e.db.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash)
	if !strings.Contains(hash, ",t=2,") {
		t.Fatalf("hash after login = %q, want t=2", hash)
	}
	if _, err := e.svc.Authenticate(e.ctx, "alice", testPassword, ""); err != nil {
		t.Fatalf("login after rehash: %v", err)
	}
}
