package registry

import "time"

// SetClock makes r read the time from now. The tests are in package
// registry_test so that they can use the SQLite store, which imports this
// package.
func SetClock(r *Registry, now func() time.Time) { r.now = now }
