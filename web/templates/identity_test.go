package templates

import "testing"

func TestIdentityComplete(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    IdentityView
		want bool
	}{
		{"every table covered", IdentityView{Covered: []string{"shop"}}, true},
		{"tables without identity", IdentityView{Databases: []IdentityDatabase{{Name: "shop", Tables: []string{"public.log"}}}}, false},
		{"databases not listed", IdentityView{Error: "connection refused"}, false},
	} {
		if got := tc.v.Complete(); got != tc.want {
			t.Errorf("%s: Complete = %v, want %v", tc.name, got, tc.want)
		}
	}
}
