package registry

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	store "github.com/stratabackup/strata/internal/store/sqlite"
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

const collectionColumns = `id, name, uri, created_at, created_by, credentials <> ''`

func scanCollection(row interface{ Scan(...any) error }) (Collection, error) {
	var c Collection
	err := row.Scan(&c.ID, &c.Name, &c.URI, store.ScanTime(&c.CreatedAt), &c.CreatedBy, &c.HasCredentials)
	return c, err
}

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
	err = r.inTx(ctx, func(tx *sql.Tx) error {
		return r.insertCollection(ctx, tx, &c, creds)
	})
	if err != nil {
		return Collection{}, err
	}
	return c, nil
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
	var taken bool
	if err := r.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM collections WHERE name = ?)`, name).Scan(&taken); err != nil {
		return Collection{}, creds, fmt.Errorf("registry: look up collection %q: %w", name, err)
	}
	if taken {
		return Collection{}, creds, usererror.Errorf("a collection named %s already exists", name)
	}
	return c, creds, nil
}

func (r *Registry) insertCollection(ctx context.Context, tx *sql.Tx, c *Collection, creds storage.Credentials) error {
	var taken bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM collections WHERE name = ?)`, c.Name).Scan(&taken); err != nil {
		return fmt.Errorf("registry: look up collection %q: %w", c.Name, err)
	}
	if taken {
		return usererror.Errorf("a collection named %s already exists", c.Name)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO collections (name, uri, created_by, created_at) VALUES (?, ?, ?, ?)`,
		c.Name, c.URI, c.CreatedBy, store.Time(c.CreatedAt))
	if err != nil {
		return fmt.Errorf("registry: insert collection %q: %w", c.Name, err)
	}
	if c.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("registry: insert collection %q: %w", c.Name, err)
	}
	if !c.HasCredentials {
		return nil
	}
	plain, err := json.Marshal(sealedCredentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey})
	if err != nil {
		return fmt.Errorf("registry: encode credentials of collection %d: %w", c.ID, err)
	}
	sealed, err := r.box.Seal(string(plain), credentialsContext(c.ID))
	if err != nil {
		return fmt.Errorf("registry: seal credentials of collection %d: %w", c.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE collections SET credentials = ? WHERE id = ?`, sealed, c.ID); err != nil {
		return fmt.Errorf("registry: store credentials of collection %d: %w", c.ID, err)
	}
	return nil
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
	var c Collection
	err = r.inTx(ctx, func(tx *sql.Tx) error {
		existing, err := getCollection(ctx, tx, `name = ?`, DefaultCollectionName)
		if err == nil {
			c = existing
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		c = Collection{Name: DefaultCollectionName, URI: loc.String(), CreatedAt: r.now().UTC(), CreatedBy: "strata"}
		return r.insertCollection(ctx, tx, &c, storage.Credentials{})
	})
	if err != nil {
		return Collection{}, err
	}
	return c, nil
}

// Collections returns every registered collection, by name.
func (r *Registry) Collections(ctx context.Context) ([]Collection, error) {
	rows, err := r.db.QueryContext(ctx, `SELECT `+collectionColumns+` FROM collections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("registry: list collections: %w", err)
	}
	defer rows.Close()
	var list []Collection
	for rows.Next() {
		c, err := scanCollection(rows)
		if err != nil {
			return nil, fmt.Errorf("registry: list collections: %w", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("registry: list collections: %w", err)
	}
	return list, nil
}

// Collection returns the collection with id, or an error wrapping [ErrNotFound].
func (r *Registry) Collection(ctx context.Context, id int64) (Collection, error) {
	return getCollection(ctx, r.db, `id = ?`, id)
}

// CollectionByName returns the collection named name (case-insensitively),
// or an error wrapping [ErrNotFound].
func (r *Registry) CollectionByName(ctx context.Context, name string) (Collection, error) {
	name = strings.TrimSpace(name)
	if validateName("collection", name) != nil {
		return Collection{}, notFound("collection")
	}
	return getCollection(ctx, r.db, `name = ?`, name)
}

func getCollection(ctx context.Context, q querier, where string, arg any) (Collection, error) {
	c, err := scanCollection(q.QueryRowContext(ctx, `SELECT `+collectionColumns+` FROM collections WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Collection{}, notFound("collection")
	}
	if err != nil {
		return Collection{}, fmt.Errorf("registry: get collection %v: %w", arg, err)
	}
	return c, nil
}

// RemoveCollection forgets a collection. It removes only the registration:
// the backups stored at its location are left untouched, and registering
// the location again lists them again.
func (r *Registry) RemoveCollection(ctx context.Context, id int64) error {
	res, err := r.db.ExecContext(ctx, `DELETE FROM collections WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("registry: remove collection %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("registry: remove collection %d: %w", id, err)
	} else if n == 0 {
		return notFound("collection")
	}
	return nil
}

// Location returns where collection id is stored and the credentials to
// open it with storage.Open. Never show or log the credentials.
func (r *Registry) Location(ctx context.Context, id int64) (storage.Location, storage.Credentials, error) {
	var uri, sealed string
	err := r.db.QueryRowContext(ctx, `SELECT uri, credentials FROM collections WHERE id = ?`, id).Scan(&uri, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return storage.Location{}, storage.Credentials{}, notFound("collection")
	}
	if err != nil {
		return storage.Location{}, storage.Credentials{}, fmt.Errorf("registry: get location of collection %d: %w", id, err)
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
