package operations

import (
	"context"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
)

// AddCollection registers a storage location after checking that Strata can
// use it: it opens, and it is empty or already a Strata collection.
func (s *Service) AddCollection(ctx context.Context, name, uri string, creds storage.Credentials, actor string) (registry.Collection, error) {
	loc, err := storage.Parse(uri)
	if err != nil {
		return registry.Collection{}, err
	}
	st, err := storage.Open(ctx, loc, creds)
	if err != nil {
		return registry.Collection{}, err
	}
	defer st.Close()
	if _, err := collection.Open(ctx, st); err != nil {
		return registry.Collection{}, err
	}
	return s.reg.AddCollection(ctx, name, uri, creds, actor)
}
