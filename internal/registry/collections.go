package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// Collection is a registered collection: a named storage location holding
// backups. Its credentials never leave the registry except through
// [Registry.Location].
type Collection struct {
	ID             int64
	Name           string
	URI            string // holds no secret
	CreatedAt      time.Time
	CreatedBy      string
	HasCredentials bool
}

// DefaultCollectionName is the collection [Registry.EnsureDefaultCollection] registers.
const DefaultCollectionName = "local"

func credentialsContext(id int64) string {
	return "collection:" + strconv.FormatInt(id, 10) + ":credentials"
}

// sealedCredentials is how credentials are stored, as JSON, before
// sealing: names of our own, so that renaming a Go field keeps old rows readable.
type sealedCredentials struct {
	AccessKeyID     string `json:"access_key_id,omitempty"`
	SecretAccessKey string `json:"secret_access_key,omitempty"`
}

// AddCollection registers a storage location under a new name
// (case-insensitively). uri must hold no secret; creds, if any, are stored
// encrypted. It does not touch the storage.
func (r *Registry) AddCollection(ctx context.Context, name, uri string, creds storage.Credentials, createdBy string) (Collection, error) {
	c, creds, err := r.CheckCollection(ctx, name, uri, creds)
	if err != nil {
		return Collection{}, err
	}
	c.CreatedAt, c.CreatedBy = r.now().UTC(), createdBy
	c.ID, err = r.store.InsertCollection(ctx, c, r.credentialsSealer(creds))
	if err != nil {
		return Collection{}, collectionError(err, c.Name)
	}
	return c, nil
}

// collectionError is err, or the user error for a name taken.
func collectionError(err error, name string) error {
	if errors.Is(err, ErrNameTaken) {
		return usererror.Errorf("a collection named %s already exists", name)
	}
	return err
}

// CheckCollection says what to fix in a collection to be added, before
// anything is written anywhere (its storage included), and returns it as
// it would be stored, with its credentials cleaned.
func (r *Registry) CheckCollection(ctx context.Context, name, uri string, creds storage.Credentials) (Collection, storage.Credentials, error) {
	name = strings.TrimSpace(name)
	if err := validateName("collection", name); err != nil {
		return Collection{}, creds, err
	}
	loc, err := storage.Parse(uri)
	if err != nil {
		return Collection{}, creds, usererror.New(err.Error()) // storage.Parse writes its errors for users
	}
	creds.AccessKeyID = strings.TrimSpace(creds.AccessKeyID)
	hasCreds := creds.AccessKeyID != "" || creds.SecretAccessKey != ""
	switch {
	case hasCreds && (creds.AccessKeyID == "" || creds.SecretAccessKey == ""):
		return Collection{}, creds, usererror.New("enter both the access key ID and the secret access key, or neither")
	case hasCreds && loc.Scheme == "file":
		return Collection{}, creds, usererror.New("file:// collections take no credentials: leave the access key fields empty")
	}
	c := Collection{Name: name, URI: loc.String(), HasCredentials: hasCreds}
	if storage.Redact(c.URI) != c.URI {
		return Collection{}, creds, usererror.New("the storage URI looks like it holds a secret: remove it and enter credentials in their own fields")
	}
	taken, err := r.store.CollectionNameTaken(ctx, name)
	if err != nil {
		return Collection{}, creds, err
	}
	if taken {
		return Collection{}, creds, usererror.Errorf("a collection named %s already exists", name)
	}
	return c, creds, nil
}

// credentialsSealer returns the function that seals creds for a collection's id.
func (r *Registry) credentialsSealer(creds storage.Credentials) func(id int64) (string, error) {
	return func(id int64) (string, error) {
		plain, err := json.Marshal(sealedCredentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey})
		if err != nil {
			return "", fmt.Errorf("registry: encode credentials of collection %d: %w", id, err)
		}
		sealed, err := r.box.Seal(string(plain), credentialsContext(id))
		if err != nil {
			return "", fmt.Errorf("registry: seal credentials of collection %d: %w", id, err)
		}
		return sealed, nil
	}
}

// EnsureDefaultCollection registers the collection "local", a folder in the
// data dir (file://<dataDir>/collections/local), unless a collection of that
// name exists; it returns the collection named local either way. The
// console calls it at start.
func (r *Registry) EnsureDefaultCollection(ctx context.Context, dataDir string) (Collection, error) {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return Collection{}, fmt.Errorf("registry: data dir %s: %w", dataDir, err)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(filepath.Join(abs, "collections", DefaultCollectionName))}
	loc, err := storage.Parse(u.String())
	if err != nil {
		return Collection{}, fmt.Errorf("registry: default collection in %s: %w", abs, err)
	}
	c, err := r.store.EnsureCollection(ctx, Collection{Name: DefaultCollectionName, URI: loc.String(), CreatedAt: r.now().UTC(), CreatedBy: "strata"})
	if err != nil {
		return Collection{}, collectionError(err, DefaultCollectionName)
	}
	return c, nil
}

// Collections returns every registered collection, by name.
func (r *Registry) Collections(ctx context.Context) ([]Collection, error) {
	return r.store.Collections(ctx)
}

// Collection returns the collection with id, or an error wrapping [ErrNotFound].
func (r *Registry) Collection(ctx context.Context, id int64) (Collection, error) {
	return r.store.Collection(ctx, id)
}

// CollectionByName returns the collection named name (case-insensitively),
// or an error wrapping [ErrNotFound].
func (r *Registry) CollectionByName(ctx context.Context, name string) (Collection, error) {
	name = strings.TrimSpace(name)
	if validateName("collection", name) != nil {
		return Collection{}, ErrCollectionNotFound
	}
	return r.store.CollectionByName(ctx, name)
}

// RemoveCollection forgets a collection. It removes only the registration:
// the backups stored at its location are left untouched, and registering
// the location again lists them again.
func (r *Registry) RemoveCollection(ctx context.Context, id int64) error {
	return r.store.RemoveCollection(ctx, id)
}

// Location returns where collection id is stored and the credentials to
// open it with storage.Open. Never show or log the credentials.
func (r *Registry) Location(ctx context.Context, id int64) (storage.Location, storage.Credentials, error) {
	uri, sealed, err := r.store.CollectionSecret(ctx, id)
	if err != nil {
		return storage.Location{}, storage.Credentials{}, err
	}
	loc, err := storage.Parse(uri)
	if err != nil {
		return storage.Location{}, storage.Credentials{}, fmt.Errorf("registry: stored URI of collection %d: %v", id, err)
	}
	if sealed == "" {
		return loc, storage.Credentials{}, nil
	}
	plain, err := r.box.Open(sealed, credentialsContext(id))
	if err != nil {
		return storage.Location{}, storage.Credentials{}, fmt.Errorf("registry: credentials of collection %d: %w", id, err)
	}
	var sc sealedCredentials
	if err := json.Unmarshal([]byte(plain), &sc); err != nil {
		// Not %w: a JSON syntax error may quote part of the secret.
		return storage.Location{}, storage.Credentials{}, fmt.Errorf("registry: credentials of collection %d are not valid JSON", id)
	}
	return loc, storage.Credentials{AccessKeyID: sc.AccessKeyID, SecretAccessKey: sc.SecretAccessKey}, nil
}
