package registry

import (
	"context"
	"errors"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// OpenCollection opens the collection registered as name, for reading or
// writing. A name nobody registered is an error for users.
func (r *Registry) OpenCollection(ctx context.Context, name string) (*collection.Collection, error) {
	rc, err := r.CollectionByName(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, usererror.Errorf("no collection named %q: add it on the Collections page", name)
	}
	if err != nil {
		return nil, err
	}
	loc, creds, err := r.Location(ctx, rc.ID)
	if err != nil {
		return nil, err
	}
	st, err := storage.Open(ctx, loc, creds)
	if err != nil {
		return nil, err
	}
	return collection.Open(ctx, st)
}
