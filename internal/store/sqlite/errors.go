package sqlite

// tagged is a driver error that also matches (with errors.Is) the domain
// error kind: its message stays the driver's.
type tagged struct {
	error
	kind error
}

func (t tagged) Is(target error) bool { return target == t.kind }
func (t tagged) Unwrap() error        { return t.error }
