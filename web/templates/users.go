package templates

// UserForm is the add-user form's input, echoed back after a validation error.
type UserForm struct {
	Name  string
	Role  string
	Error string
}

// NewAPIKey is a key just created; its token is shown this once.
type NewAPIKey struct {
	Name  string
	Token string
}

// roleSelected tells whether the role select offers role as chosen when
// current is: auditor when none is.
func roleSelected(current, role string) bool {
	return current == role || current == "" && role == "auditor"
}
