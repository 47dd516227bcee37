package operations

import (
	"context"

	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// AddCollection registers a storage location after checking that Strata can
// use it: it opens, and it is empty or already a Strata collection.
func (s *Service) AddCollection(ctx context.Context, name, uri string, creds storage.Credentials, actor string) (registry.Collection, error) {
	// Everything that can be refused is, before the storage is written.
	rc, creds, err := s.reg.CheckCollection(ctx, name, uri, creds)
	if err != nil {
		return registry.Collection{}, err
	}
	loc, err := storage.Parse(rc.URI)
	if err != nil {
		return registry.Collection{}, err
	}
	st, err := storage.Open(ctx, loc, creds)
	if err != nil {
		return registry.Collection{}, s.unusable(rc, err)
	}
	defer st.Close()
	if _, err := collection.Open(ctx, st); err != nil {
		return registry.Collection{}, s.unusable(rc, err)
	}
	return s.reg.AddCollection(ctx, name, uri, creds, actor)
}

// unusable is the error of a location that cannot hold rc: the storage's
// own hint when it has one, else a message for users and the cause logged.
func (s *Service) unusable(rc registry.Collection, err error) error {
	if _, ok := usererror.Message(err); ok {
		return err
	}
	s.log.Warn("add collection: location unusable", "uri", rc.URI, "error", err)
	return usererror.Wrap(err, "Strata cannot make a collection at %s; the console log says why", rc.URI)
}

// CollectionContents is what a collection holds.
type CollectionContents struct {
	Layers     []collection.Summary // newest first
	Incomplete []string             // folders of layers never committed
	// Damaged are index entries that could not be used: the layers they
	// list are not in Layers.
	Damaged []collection.DamagedEntry
}

// Contents lists the layers of collection name and, with incomplete, the
// folders of layers that were never committed.
func (s *Service) Contents(ctx context.Context, name string, incomplete bool) (CollectionContents, error) {
	var cc CollectionContents
	coll, err := s.OpenCollection(ctx, name)
	if err != nil {
		return cc, err
	}
	defer coll.Close()
	layers, damaged, err := collection.Readable(coll.Backups(ctx))
	cc.Layers = layers
	if damaged != nil {
		cc.Damaged = damaged.Entries
	}
	if err != nil || !incomplete {
		return cc, err
	}
	cc.Incomplete, err = coll.IncompleteBeside(ctx, layers, damaged)
	return cc, err
}

// Backup reads the manifest of the layer at path in collection name.
func (s *Service) Backup(ctx context.Context, name, path string) (*collection.Manifest, error) {
	coll, err := s.OpenCollection(ctx, name)
	if err != nil {
		return nil, err
	}
	defer coll.Close()
	return coll.Manifest(ctx, path)
}
