package templates

import "testing"

func TestRoleSelected(t *testing.T) {
	for _, tc := range []struct {
		current        string
		auditor, admin bool
	}{
		{"", true, false},
		{"auditor", true, false},
		{"admin", false, true},
	} {
		if roleSelected(tc.current, "auditor") != tc.auditor || roleSelected(tc.current, "admin") != tc.admin {
			t.Errorf("role %q: auditor/admin selected = %v/%v, want %v/%v", tc.current,
				roleSelected(tc.current, "auditor"), roleSelected(tc.current, "admin"), tc.auditor, tc.admin)
		}
	}
}
