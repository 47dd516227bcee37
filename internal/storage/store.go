package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// Bucket is an opened location as a backend provides it.
type Bucket interface {
	// Blob is the bucket rooted at the location: its keys are relative to
	// the location's folder or prefix. Store uses it to read, list and stat.
	Blob() *blob.Bucket
	// NewWriter starts writing a new object that appears only when the
	// writer is closed without error, and is discarded when ctx is canceled
	// first. Close must fail with an error matching ErrExists when key
	// already exists.
	NewWriter(ctx context.Context, key string) (io.WriteCloser, error)
	// Delete removes an object.
	Delete(ctx context.Context, key string) error
	// Hint explains err to a user (what is wrong, what to do), or returns ""
	// when it has nothing better to say than the error itself.
	Hint(err error) string
	Close() error
}

// Store is a location opened for reading and writing objects. Objects are
// written once: Create refuses a key that exists, and nothing is modified in
// place. Keys are slash-separated and relative to the location.
type Store struct {
	loc Location
	b   Bucket
}

// Open opens a location, checking that it can be reached with creds (for a
// bucket: that it exists and the credentials may list it). A local folder is
// created if it does not exist yet.
func Open(ctx context.Context, loc Location, creds Credentials) (*Store, error) {
	be, ok := backends[loc.Scheme]
	if !ok {
		return nil, &Error{Op: "open", Err: fmt.Errorf("unsupported storage scheme %q", loc.Scheme)}
	}
	b, err := be.Open(ctx, loc, creds)
	if err != nil {
		return nil, wrap("open", "", err, nil)
	}
	s := &Store{loc: loc, b: b}
	if _, _, err := b.Blob().ListPage(ctx, blob.FirstPageToken, 1, nil); err != nil {
		b.Close()
		return nil, s.wrap("open", "", err)
	}
	return s, nil
}

// Location returns the location the store was opened on.
func (s *Store) Location() Location { return s.loc }

// Close releases the store's connections.
func (s *Store) Close() error { return s.b.Close() }

func (s *Store) wrap(op, key string, err error) error { return wrap(op, key, err, s.b.Hint) }

// Writer writes one new object. The object appears when Close returns nil;
// Abort discards it. A Writer is not safe for concurrent use.
type Writer struct {
	s      *Store
	key    string
	w      io.WriteCloser
	cancel context.CancelFunc
	done   bool
	err    error // first write error: the object must not be committed
}

// Create starts writing a new object. It fails with ErrExists if key exists
// already. The existence check is repeated when the object is committed
// (If-None-Match on S3, a hard link on local folders), so two writers racing
// for one key cannot both succeed where the backend supports it.
func (s *Store) Create(ctx context.Context, key string) (*Writer, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	if _, err := s.Stat(ctx, key); err == nil {
		return nil, &Error{Op: "create", Key: key, Err: ErrExists}
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	wctx, cancel := context.WithCancel(ctx)
	w, err := s.b.NewWriter(wctx, key)
	if err != nil {
		cancel()
		return nil, s.wrap("create", key, err)
	}
	return &Writer{s: s, key: key, w: w, cancel: cancel}, nil
}

// Key returns the key being written.
func (w *Writer) Key() string { return w.key }

func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, &Error{Op: "write", Key: w.key, Err: errors.New("writer is closed")}
	}
	if w.err != nil {
		return 0, w.err
	}
	n, err := w.w.Write(p)
	if err != nil {
		w.err = w.s.wrap("write", w.key, err)
		return n, w.err
	}
	return n, nil
}

// Close commits the object. On error nothing is stored under the key (or
// what was there is left untouched, for ErrExists).
func (w *Writer) Close() error {
	if w.done {
		return &Error{Op: "close", Key: w.key, Err: errors.New("writer is closed")}
	}
	if w.err != nil {
		w.Abort()
		return w.err
	}
	w.done = true
	defer w.cancel()
	return w.s.wrap("create", w.key, w.w.Close())
}

// Abort discards the object. It may be called after Close, and then does nothing.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.cancel()
	w.w.Close()
}

// Open opens an object for reading.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	r, err := s.b.Blob().NewReader(ctx, key, nil)
	if err != nil {
		return nil, s.wrap("read", key, err)
	}
	return &reader{r: r, s: s, key: key}, nil
}

type reader struct {
	r   *blob.Reader
	s   *Store
	key string
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = r.s.wrap("read", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.r.Close() }

// Attrs are an object's attributes.
type Attrs struct {
	Size    int64
	ModTime time.Time
}

// Stat returns an object's attributes, or an error matching ErrNotFound.
func (s *Store) Stat(ctx context.Context, key string) (Attrs, error) {
	if err := CheckKey(key); err != nil {
		return Attrs{}, err
	}
	a, err := s.b.Blob().Attributes(ctx, key)
	if err != nil {
		return Attrs{}, s.wrap("stat", key, err)
	}
	return Attrs{Size: a.Size, ModTime: a.ModTime}, nil
}

// Exists reports whether an object exists.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	_, err := s.Stat(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Object is a listed object, or with IsDir a common prefix ("folder") whose
// Key ends with a slash.
type Object struct {
	Key     string
	Size    int64
	ModTime time.Time
	IsDir   bool
}

// List lists every object whose key starts with prefix (a plain string
// prefix: "a/b" matches "a/b/c" and "a/bc"), recursively, sorted by key.
func (s *Store) List(ctx context.Context, prefix string) ([]Object, error) {
	return s.list(ctx, prefix, "", 0)
}

// ListDir lists one level under prefix, which is normally "" or ends with a
// slash: objects, and folders (IsDir) for keys with more slashes, sorted by key.
func (s *Store) ListDir(ctx context.Context, prefix string) ([]Object, error) {
	return s.list(ctx, prefix, "/", 0)
}

// Empty reports whether the location holds no objects at all.
func (s *Store) Empty(ctx context.Context) (bool, error) {
	objs, err := s.list(ctx, "", "", 1)
	return len(objs) == 0, err
}

func (s *Store) list(ctx context.Context, prefix, delim string, limit int) ([]Object, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, err
	}
	// A local folder is listed by reading each directory and then looking
	// at each file; one removed in between (a writer's temporary file,
	// another console's delete) fails the listing as not found. Listing
	// again then sees the folder without it.
	for attempt := 1; ; attempt++ {
		out, err := s.listOnce(ctx, prefix, delim, limit)
		if s.loc.Scheme != "file" || gcerrors.Code(err) != gcerrors.NotFound || attempt == listAttempts {
			if err != nil {
				return nil, s.wrap("list", prefix, err)
			}
			return out, nil
		}
	}
}

// listAttempts bounds the listings of a folder whose files keep vanishing.
const listAttempts = 5

func (s *Store) listOnce(ctx context.Context, prefix, delim string, limit int) ([]Object, error) {
	if l, ok := s.b.(lister); ok {
		all, err := l.List(ctx, prefix, delim, limit)
		if err != nil {
			return nil, err
		}
		out := slices.DeleteFunc(all, func(o Object) bool { return tempName.MatchString(strings.TrimSuffix(o.Key, "/")) })
		slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		return out, nil
	}
	it := s.b.Blob().List(&blob.ListOptions{Prefix: prefix, Delimiter: delim})
	var out []Object
	for limit == 0 || len(out) < limit {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if tempName.MatchString(strings.TrimSuffix(o.Key, "/")) {
			continue // an object being written to a local folder
		}
		out = append(out, Object{Key: o.Key, Size: o.Size, ModTime: o.ModTime, IsDir: o.IsDir})
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// Delete deletes an object; it fails with ErrNotFound if there is none.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	return s.wrap("delete", key, s.b.Delete(ctx, key))
}
