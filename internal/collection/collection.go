package collection

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/usererror"

	"github.com/google/uuid"

	"github.com/stratabackup/strata/internal/storage"
)

// Layout of a collection (all objects are written once, never modified):
//
//	COLLECTION.json                                  marker: format version, id, creation time
//	2026/11/23-193700.12/                            a full backup, named by its end time (UTC)
//	    data/16384/0001.copy.zst  schema.dump ...    data files, named by the engine
//	    MANIFEST.json.zst                            written after every data file
//	    MANIFEST.sha256                              SHA-256 of MANIFEST.json.zst, `sha256sum -c` format
//	incrementals/2026/11/23-193700.12/20261123-194500.00-20261123-193700.12/
//	                                                 an incremental on that full: <end>-<start>
//	index/<desc(full end)>_2026-11-23-193700.12/<desc(end)>_<kind>_<id>.json
//	                                                 one Summary per committed layer, grouped by chain
//	metadata/latest/<desc(end)>                      path of the newest full backup's chain
//
// desc(t) sorts newest first, so "latest" is the first key of a listing.
const (
	markerKey      = "COLLECTION.json"
	manifestName   = "MANIFEST.json.zst"
	checksumName   = "MANIFEST.sha256"
	indexPrefix    = "index/"
	latestPrefix   = "metadata/latest/"
	incrementalDir = "incrementals/"

	fullLayout = "2006/01/02-150405.00"
	incLayout  = "20060102-150405.00"

	markerFormat = "strata-collection"
)

var (
	// ErrNotACollection means the location holds objects but no collection marker.
	ErrNotACollection = usererror.New("this location already holds files that are not a Strata collection; choose an empty folder or bucket prefix")
	// ErrNoBackup means a backup asked for does not exist (or was never committed).
	ErrNoBackup = usererror.New("no such backup")
)

// noBackupError is a user-facing message that matches ErrNoBackup.
func noBackupError(msg string) error { return usererror.Wrap(ErrNoBackup, "%s", msg) }

// Marker is the content of COLLECTION.json, the first object of a collection.
type Marker struct {
	Format        string    `json:"format"` // always "strata-collection"
	FormatVersion int       `json:"format_version"`
	ID            string    `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
}

// Collection is a backup collection on a storage location.
type Collection struct {
	st     *storage.Store
	marker Marker
}

// Open opens the collection at st, creating it when the location is empty.
// A location holding other objects but no COLLECTION.json is refused with
// ErrNotACollection; a collection of a newer format is refused too.
func Open(ctx context.Context, st *storage.Store) (*Collection, error) {
	// A second round reads a marker written meanwhile by someone else: two
	// backups opening a new collection at once (the databases of a first
	// managed run) both find no marker, and one finds the other's.
	for round := range 2 {
		m, err := readMarker(ctx, st)
		if err == nil {
			return &Collection{st: st, marker: m}, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		empty, err := st.Empty(ctx)
		if err != nil {
			return nil, err
		}
		if !empty {
			if round == 0 {
				continue
			}
			return nil, ErrNotACollection
		}
		m = Marker{Format: markerFormat, FormatVersion: FormatVersion, ID: uuid.NewString(), CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		b, _ := json.MarshalIndent(m, "", "  ")
		err = writeObject(ctx, st, markerKey, append(b, '\n'))
		if err == nil {
			return &Collection{st: st, marker: m}, nil
		}
		if !errors.Is(err, storage.ErrExists) {
			return nil, err
		}
	}
	return nil, errors.New("collection marker appeared and vanished while opening the collection")
}

func readMarker(ctx context.Context, st *storage.Store) (Marker, error) {
	b, err := readObject(ctx, st, markerKey, 1<<20)
	if err != nil {
		return Marker{}, err
	}
	var m Marker
	if err := json.Unmarshal(b, &m); err != nil || m.Format != markerFormat {
		return Marker{}, ErrNotACollection
	}
	if m.FormatVersion > FormatVersion {
		return Marker{}, usererror.Errorf("this collection was written by a newer Strata (format %d; this version reads up to %d): upgrade Strata to use it", m.FormatVersion, FormatVersion)
	}
	return m, nil
}

// Marker returns the collection's COLLECTION.json.
func (c *Collection) Marker() Marker { return c.marker }

// Close releases the collection's storage.
func (c *Collection) Close() error { return c.st.Close() }

// Store returns the storage the collection lives on.
func (c *Collection) Store() *storage.Store { return c.st }

// FullPath is the folder of a full backup that ended at end.
func FullPath(end time.Time) string { return end.UTC().Format(fullLayout) }

// IncrementalPath is the folder of an incremental on the full backup at
// chain, covering (start, end].
func IncrementalPath(chain string, end, start time.Time) string {
	return incrementalDir + chain + "/" + end.UTC().Format(incLayout) + "-" + start.UTC().Format(incLayout)
}

var (
	fullPathRE = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}-\d{6}\.\d{2}$`)
	incPathRE  = regexp.MustCompile(`^incrementals/(\d{4}/\d{2}/\d{2}-\d{6}\.\d{2})/(\d{8}-\d{6}\.\d{2})-(\d{8}-\d{6}\.\d{2})$`)
)

// layerPath is a parsed layer folder.
type layerPath struct {
	kind       Kind
	path       string
	chain      string    // the full backup's path
	chainEnd   time.Time // the full backup's end, to the hundredth of a second
	end, start time.Time // this layer's, to the hundredth
}

func parseLayerPath(p string) (layerPath, error) {
	if fullPathRE.MatchString(p) {
		end, err := time.Parse(fullLayout, p)
		if err == nil {
			return layerPath{kind: KindFull, path: p, chain: p, chainEnd: end, end: end}, nil
		}
	}
	if m := incPathRE.FindStringSubmatch(p); m != nil {
		chainEnd, err1 := time.Parse(fullLayout, m[1])
		end, err2 := time.Parse(incLayout, m[2])
		start, err3 := time.Parse(incLayout, m[3])
		if err1 == nil && err2 == nil && err3 == nil {
			return layerPath{kind: KindIncremental, path: p, chain: m[1], chainEnd: chainEnd, end: end, start: start}, nil
		}
	}
	return layerPath{}, noBackupError(fmt.Sprintf("%q is not a backup path: backups are named like 2026/11/23-193700.12 or incrementals/2026/11/23-193700.12/20261123-194500.00-20261123-193700.12", p))
}

// desc encodes t so that later times sort first, in fixed width.
func desc(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(math.MaxInt64-t.UnixNano()))
}

// chainIndexDir is the index folder of the chain whose full backup is at lp.chain.
func (lp layerPath) chainIndexDir() string {
	return indexPrefix + desc(lp.chainEnd) + "_" + strings.ReplaceAll(lp.chain, "/", "-") + "/"
}

// writeObject stores a small object. If the key exists with exactly the same
// content, that counts as success, so that a retried commit can go on.
func writeObject(ctx context.Context, st *storage.Store, key string, data []byte) error {
	w, err := st.Create(ctx, key)
	if errors.Is(err, storage.ErrExists) {
		old, rerr := readObject(ctx, st, key, int64(len(data))+1)
		if rerr == nil && bytes.Equal(old, data) {
			return nil
		}
		return err
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Abort()
		return err
	}
	return w.Close()
}

// readObject reads a small object, refusing one larger than limit.
func readObject(ctx context.Context, st *storage.Store, key string, limit int64) ([]byte, error) {
	r, err := st.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &tooLargeError{key, limit}
	}
	return b, nil
}

// tooLargeError means a small object was larger than any Strata writes.
type tooLargeError struct {
	key   string
	limit int64
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d bytes", e.key, e.limit)
}
