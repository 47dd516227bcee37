package auth

import "strings"

// Role is what a user or API key may do.
type Role string

const (
	// RoleAdmin may do everything.
	RoleAdmin Role = "admin"
	// RoleAuditor reads everything and changes nothing.
	RoleAuditor Role = "auditor"
)

// ParseRole parses "admin" or "auditor" (case-insensitive, surrounding
// spaces ignored). Anything else is [ErrInvalidRole].
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !r.Valid() {
		return "", ErrInvalidRole
	}
	return r, nil
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleAuditor
}

// Allows reports whether r may do what needs role need: an admin may do
// everything, an auditor only what needs an auditor. An unknown role on
// either side allows nothing.
func (r Role) Allows(need Role) bool {
	if !need.Valid() {
		return false
	}
	switch r {
	case RoleAdmin:
		return true
	case RoleAuditor:
		return need == RoleAuditor
	}
	return false
}

func (r Role) String() string { return string(r) }
