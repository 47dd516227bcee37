package templates

// Page is what every full page needs from the request: who is looking, the
// CSRF token for its forms, flash messages and the active navigation entry.
type Page struct {
	Title  string
	Nav    string
	Viewer *Viewer
	CSRF   string
	Flash  []Flash
}

// Viewer is the logged-in user as the layout shows them.
type Viewer struct {
	Name    string
	Role    string
	IsAdmin bool
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind string // "ok", "error" or "info"
	Text string
}

// CanChange tells a template whether to show controls that change state.
// The server enforces the same rule on every route; this only hides buttons.
func (p Page) CanChange() bool { return p.Viewer != nil && p.Viewer.IsAdmin }
