package registry

import (
	"errors"
	"time"

	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/usererror"
)

// ErrNotFound is wrapped by the error for a cluster or collection that does
// not exist ("cluster not found"); test for it with errors.Is. It and the
// other errors of this package that can be shown to users as is are
// [*usererror.Error]s, as are those of package cluster, which it passes on
// for bad connection strings. Other errors from this package are internal,
// start with "registry: " and belong in the log.
var ErrNotFound = usererror.New("not found")

// The errors for a cluster or a collection that does not exist.
var (
	ErrClusterNotFound    = notFound("cluster")
	ErrCollectionNotFound = notFound("collection")
)

// notFound is the error for a what ("cluster", "collection") that does not exist.
func notFound(what string) error {
	return usererror.Wrap(ErrNotFound, "%s %s", what, ErrNotFound.Msg)
}

// ErrNameTaken is what a [Store] returns for a cluster or collection added
// under the name of another.
var ErrNameTaken = errors.New("registry: name taken")

// Registry keeps clusters and collections in a [Store], sealing their
// secrets. It is safe for concurrent use.
type Registry struct {
	store Store
	box   *secrets.Box
	now   func() time.Time
}

// New returns a registry over store (such as sqlite.NewRegistry), sealing
// secrets with box.
func New(store Store, box *secrets.Box) *Registry {
	return &Registry{store: store, box: box, now: time.Now}
}

// MaxNameLength is the longest cluster or collection name.
const MaxNameLength = 63

// validateName checks a cluster or collection name (what is "cluster" or
// "collection"): 1 to 63 ASCII letters, digits and . _ -, starting with a
// letter or digit, so that it is safe in URLs and file names as it is.
func validateName(what, name string) error {
	if name == "" {
		return usererror.New(what + " name is required")
	}
	if len(name) > MaxNameLength {
		return usererror.Errorf("%s name must be at most %d characters", what, MaxNameLength)
	}
	for i, c := range name {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return usererror.New(what + " name may only contain letters (a-z, A-Z), digits and . _ -, and must start with a letter or digit")
		}
	}
	return nil
}
