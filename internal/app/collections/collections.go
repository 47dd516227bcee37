package collections

import (
	"context"
	"log/slog"

	"github.com/stratabackup/strata/internal/cluster"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// Service is the door to collections.
type Service struct {
	reg     *registry.Registry
	jobs    *jobs.Store
	engines cluster.Engines
	log     *slog.Logger
}

// New returns the door to the collections of reg.
func New(reg *registry.Registry, js *jobs.Store, engines cluster.Engines, log *slog.Logger) *Service {
	return &Service{reg: reg, jobs: js, engines: engines, log: log}
}

// List returns the registered collections, by name.
func (s *Service) List(ctx context.Context) ([]registry.Collection, error) {
	return s.reg.Collections(ctx)
}

// Get returns the collection called name, or registry.ErrNotFound.
func (s *Service) Get(ctx context.Context, name string) (registry.Collection, error) {
	return s.reg.CollectionByName(ctx, name)
}

// Retention returns the retention policy of collection id.
func (s *Service) Retention(ctx context.Context, id int64) (registry.Retention, error) {
	return s.reg.CollectionRetention(ctx, id)
}

// SetRetention sets the retention policy of collection id.
func (s *Service) SetRetention(ctx context.Context, id int64, r registry.Retention) error {
	return s.reg.SetCollectionRetention(ctx, id, r)
}

// Add registers a storage location after checking that Strata can
// use it: it opens, and it is empty or already a Strata collection.
func (s *Service) Add(ctx context.Context, name, uri string, creds storage.Credentials, actor string) (registry.Collection, error) {
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

// Contents is what a collection holds.
type Contents struct {
	Layers     []collection.Summary // newest first
	Incomplete []string             // folders of layers never committed
	// Damaged are index entries that could not be used: the layers they
	// list are not in Layers.
	Damaged []collection.DamagedEntry
}

// Contents lists the layers of collection name and, with incomplete, the
// folders of layers that were never committed.
func (s *Service) Contents(ctx context.Context, name string, incomplete bool) (Contents, error) {
	var cc Contents
	coll, err := s.reg.OpenCollection(ctx, name)
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

// ChainsPage is one page of a collection's chains, with what else its
// page shows.
type ChainsPage struct {
	Chains [][]collection.Summary // newest first (see collection.Chains)
	Next   string                 // the cursor of the next page; "" after the last
	// Damaged are index entries that could not be used; Incomplete, the
	// folders of layers never committed.
	Damaged    []collection.DamagedEntry
	Incomplete []string
}

// ChainsPerPage is how many chains a page of a collection shows.
const ChainsPerPage = 10

// Chains returns the page of collection name's chains after cursor (""
// for the newest).
func (s *Service) Chains(ctx context.Context, name, cursor string) (ChainsPage, error) {
	cc, err := s.Contents(ctx, name, true)
	p := ChainsPage{Damaged: cc.Damaged, Incomplete: cc.Incomplete}
	if err != nil {
		return p, err
	}
	p.Chains, p.Next, err = collection.ChainPage(cc.Layers, cursor, ChainsPerPage)
	return p, err
}

// BackupPage is one page of a collection's layers.
type BackupPage struct {
	Layers []collection.Summary // newest first
	Next   string               // the cursor of the next page; "" after the last
	// Damaged are index entries that could not be used: the layers they
	// list are on no page.
	Damaged []collection.DamagedEntry
}

// Backups returns the page of collection name's layers that q selects.
func (s *Service) Backups(ctx context.Context, name string, q collection.PageQuery) (BackupPage, error) {
	cc, err := s.Contents(ctx, name, false)
	if err != nil {
		return BackupPage{}, err
	}
	page, next, err := collection.Page(cc.Layers, q)
	return BackupPage{Layers: page, Next: next, Damaged: cc.Damaged}, err
}

// Backup reads the manifest of the layer at path in collection name.
func (s *Service) Backup(ctx context.Context, name, path string) (*collection.Manifest, error) {
	coll, err := s.reg.OpenCollection(ctx, name)
	if err != nil {
		return nil, err
	}
	defer coll.Close()
	return coll.Manifest(ctx, path)
}
