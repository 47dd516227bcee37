package auth

import "testing"

func TestParseRole(t *testing.T) {
	for in, want := range map[string]Role{"admin": RoleAdmin, " Auditor ": RoleAuditor} {
		got, err := ParseRole(in)
		if err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "root", "admins"} {
		_, err := ParseRole(in)
		if err != ErrInvalidRole || err.Error() != "role must be admin or auditor" {
			t.Errorf("ParseRole(%q) error = %v", in, err)
		}
	}
}

func TestRoleAllows(t *testing.T) {
	tests := []struct {
		r, need Role
		want    bool
	}{
		{RoleAdmin, RoleAdmin, true},
		{RoleAdmin, RoleAuditor, true},
		{RoleAuditor, RoleAuditor, true},
		{RoleAuditor, RoleAdmin, false},
		{"", RoleAuditor, false},
		{RoleAdmin, "", false},
	}
	for _, tt := range tests {
		if got := tt.r.Allows(tt.need); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tt.r, tt.need, got, tt.want)
		}
	}
}
