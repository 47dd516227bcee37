package collection

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/klauspost/compress/zstd"

	"github.com/stratabackup/strata/internal/storage"
)

// Layer is a full backup or an incremental being written. Its files can be
// written from several goroutines; Commit writes the manifest last.
type Layer struct {
	c  *Collection
	lp layerPath

	mu        sync.Mutex
	files     map[string]FileInfo
	err       error // a ResumeLayer path that does not parse
	committed bool
	aborted   bool
}

// BeginLayer starts a layer. A full backup's folder is named from end, the
// backup's consistent point; an incremental's from end and start, inside the
// folder of the full backup at chain (which must be committed). It fails if
// the folder already holds anything.
func (c *Collection) BeginLayer(ctx context.Context, kind Kind, end time.Time, chain string, start time.Time) (*Layer, error) {
	if end.IsZero() {
		return nil, errors.New("a layer needs its end time")
	}
	var path string
	switch kind {
	case KindFull:
		path = FullPath(end)
	case KindIncremental:
		if _, err := c.Manifest(ctx, chain); err != nil {
			return nil, fmt.Errorf("incremental on %s: %w", chain, err)
		}
		if !start.Before(end) {
			return nil, fmt.Errorf("incremental on %s: start %s is not before end %s", chain, start.UTC(), end.UTC())
		}
		path = IncrementalPath(chain, end, start)
	default:
		return nil, fmt.Errorf("unknown layer kind %q", kind)
	}
	lp, err := parseLayerPath(path)
	if err != nil {
		return nil, err
	}
	objs, err := c.st.List(ctx, path+"/")
	if err != nil {
		return nil, err
	}
	if len(objs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrLayerTaken, path)
	}
	// Two backups ending in the same hundredth of a second (two databases
	// of one run) both find the folder empty; the claim, written only if
	// absent, lets exactly one of them have it.
	if err := writeObject(ctx, c.st, path+"/"+claimName, []byte(uuid.NewString())); err != nil {
		if errors.Is(err, storage.ErrExists) {
			return nil, fmt.Errorf("%w: %s", ErrLayerTaken, path)
		}
		return nil, err
	}
	return &Layer{c: c, lp: lp, files: map[string]FileInfo{}}, nil
}

// claimName is the object that claims a layer's folder for one backup.
const claimName = "CLAIM"

// ErrLayerTaken means another backup has the folder a new layer would be
// named: it ended in the same hundredth of a second. Take a new snapshot.
var ErrLayerTaken = errors.New("another backup ended in the same hundredth of a second and has this backup folder")

// ResumeLayer continues a layer begun earlier (by this or another process)
// whose listed files were written and closed. A file of the layer that is
// not in written (closed after the last checkpoint) is replaced when
// CreateFile asks for its name again.
func (c *Collection) ResumeLayer(path string, kind Kind, written []FileInfo) *Layer {
	l := &Layer{c: c, files: map[string]FileInfo{}}
	lp, err := parseLayerPath(path)
	switch {
	case err != nil:
		l.err = err
	case lp.kind != kind:
		l.err = fmt.Errorf("layer %s is a %s, not a %s", path, lp.kind, kind)
	}
	l.lp = lp
	for _, f := range written {
		l.files[f.Name] = f
	}
	return l
}

// Path returns the layer's folder in the collection.
func (l *Layer) Path() string { return l.lp.path }

// Kind returns the layer's kind.
func (l *Layer) Kind() Kind { return l.lp.kind }

// Chain returns the path of the full backup the layer belongs to (its own
// path for a full backup).
func (l *Layer) Chain() string { return l.lp.chain }

// Files returns the files closed so far, sorted by name.
func (l *Layer) Files() []FileInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]FileInfo, 0, len(l.files))
	for _, f := range l.files {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b FileInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (l *Layer) usable() error {
	switch {
	case l.err != nil:
		return l.err
	case l.committed:
		return fmt.Errorf("layer %s is already committed", l.lp.path)
	case l.aborted:
		return fmt.Errorf("layer %s was aborted", l.lp.path)
	}
	return nil
}

// CreateFile starts a data file of the layer; name is relative to the layer
// folder, e.g. "data/16384/0001.copy.zst". Write raw bytes to it: it
// compresses them with zstd as it streams them to storage.
func (l *Layer) CreateFile(ctx context.Context, name string) (*FileWriter, error) {
	l.mu.Lock()
	err := l.usable()
	l.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if err := storage.CheckKey(name); err != nil {
		return nil, fmt.Errorf("file name %q: %w", name, err)
	}
	if name == manifestName || name == checksumName {
		return nil, fmt.Errorf("file name %q is reserved for the layer's manifest", name)
	}
	key := l.lp.path + "/" + name
	w, err := l.c.st.Create(ctx, key)
	if errors.Is(err, storage.ErrExists) {
		l.mu.Lock()
		_, known := l.files[name]
		l.mu.Unlock()
		if known {
			return nil, fmt.Errorf("file %s of layer %s is already written", name, l.lp.path)
		}
		// Left by an earlier run of a resumed layer after its last
		// checkpoint: nothing refers to it, so it is redone.
		if err := l.c.st.Delete(ctx, key); err != nil {
			return nil, err
		}
		w, err = l.c.st.Create(ctx, key)
	}
	if err != nil {
		return nil, err
	}
	f := &FileWriter{l: l, name: name, out: sink{w: w, h: sha256.New()}}
	f.enc = getEncoder(&f.out)
	return f, nil
}

// FileWriter compresses and stores one file of a layer. It holds a bounded
// amount of memory whatever the file's size. Not safe for concurrent use.
type FileWriter struct {
	l    *Layer
	name string
	enc  *zstd.Encoder
	out  sink
	raw  int64
	rows int64
	done bool
	err  error
}

// sink receives the compressed bytes: it hashes, counts and stores them.
type sink struct {
	w *storage.Writer
	h hash.Hash
	n int64
}

func (s *sink) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	s.h.Write(p[:n])
	s.n += int64(n)
	return n, err
}

// Write compresses and stores raw bytes.
func (f *FileWriter) Write(p []byte) (int, error) {
	if f.done {
		return 0, fmt.Errorf("write to closed backup file %s", f.name)
	}
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.enc.Write(p)
	f.raw += int64(n)
	if err != nil {
		f.err = err
	}
	return n, err
}

// Name returns the file's name in the layer.
func (f *FileWriter) Name() string { return f.name }

// RawSize returns the raw bytes written so far.
func (f *FileWriter) RawSize() int64 { return f.raw }

// SetRows records the number of rows in the file, for the manifest.
func (f *FileWriter) SetRows(n int64) { f.rows = n }

// Close finishes the file and returns its entry for the manifest.
func (f *FileWriter) Close() (FileInfo, error) {
	if f.done {
		return FileInfo{}, fmt.Errorf("backup file %s is already closed", f.name)
	}
	if f.err == nil {
		f.err = f.enc.Close()
	}
	if f.err != nil {
		f.Abort()
		return FileInfo{}, f.err
	}
	f.done = true
	putEncoder(f.enc)
	f.enc = nil
	if err := f.out.w.Close(); err != nil {
		return FileInfo{}, err
	}
	fi := FileInfo{Name: f.name, Size: f.out.n, RawSize: f.raw, Rows: f.rows, SHA256: hex.EncodeToString(f.out.h.Sum(nil))}
	l := f.l
	l.mu.Lock()
	aborted := l.aborted
	if !aborted {
		l.files[f.name] = fi
	}
	l.mu.Unlock()
	if aborted {
		l.c.st.Delete(context.Background(), l.lp.path+"/"+f.name)
		return FileInfo{}, fmt.Errorf("layer %s was aborted", l.lp.path)
	}
	return fi, nil
}

// Abort discards the file. It does nothing after Close.
func (f *FileWriter) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.out.w.Abort()
	if f.enc != nil {
		putEncoder(f.enc)
		f.enc = nil
	}
}

// Encoders are reused: each holds a few MiB of tables and history.
var encoders sync.Pool

func getEncoder(w io.Writer) *zstd.Encoder {
	if e, ok := encoders.Get().(*zstd.Encoder); ok {
		e.Reset(w)
		return e
	}
	e, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(1), // compress in the writer's goroutine: bounded memory
		// A 1 MiB window instead of the low-memory mode: measured on COPY
		// text, 45% faster (215 vs 149 MB/s), less memory per writer, same
		// ratio; the low-memory mode copies its whole window every block.
		zstd.WithWindowSize(1<<20),
		zstd.WithZeroFrames(true), // an empty file is still a valid .zst for the zstd tool
	)
	if err != nil {
		panic(err) // only on invalid options
	}
	return e
}

func putEncoder(e *zstd.Encoder) {
	e.Reset(nil) // drop the reference to the writer
	encoders.Put(e)
}

// Commit writes the layer's manifest, then its checksum, then the index
// entry and the latest pointer: from the index entry on, the layer is a
// restorable backup. It fills m.Path, m.Chain, m.Kind, m.FormatVersion, an
// ID if m has none, EndTime and StartTime if zero, and per-table totals left
// at zero. Every file m names must have been written to this layer.
// Commit can be retried after an error.
func (l *Layer) Commit(ctx context.Context, m *Manifest) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.usable(); err != nil {
		return err
	}
	m.FormatVersion = FormatVersion
	m.Kind = l.lp.kind
	m.Path = l.lp.path
	m.Chain = l.lp.chain
	if m.ID == "" {
		m.ID = uuid.NewString()
	}
	if m.EndTime.IsZero() {
		m.EndTime = l.lp.end
	}
	if m.StartTime.IsZero() && l.lp.kind == KindIncremental {
		m.StartTime = l.lp.start
	}
	if m.EndTime.UTC().Format(fullLayout) != l.lp.end.Format(fullLayout) {
		return fmt.Errorf("manifest end time %s does not match layer %s", m.EndTime.UTC(), l.lp.path)
	}
	if m.Schema.Archive.Name != "" {
		if err := l.check(m.Schema.Archive); err != nil {
			return err
		}
	}
	if m.LargeObjects != nil {
		if err := l.check(m.LargeObjects.Archive); err != nil {
			return fmt.Errorf("large objects: %w", err)
		}
	}
	for i := range m.Tables {
		t := &m.Tables[i]
		var rows, raw, stored int64
		for _, f := range slices.Concat(t.Files, t.Changes) {
			if err := l.check(f); err != nil {
				return fmt.Errorf("table %s: %w", t.QualifiedName(), err)
			}
			rows, raw, stored = rows+f.Rows, raw+f.RawSize, stored+f.Size
		}
		if t.Rows == 0 {
			t.Rows = rows
		}
		if t.RawBytes == 0 {
			t.RawBytes = raw
		}
		if t.StoredBytes == 0 {
			t.StoredBytes = stored
		}
	}

	js, err := json.Marshal(m)
	if err != nil {
		return err
	}
	stored := manifestEncoder.EncodeAll(js, nil)
	sum := sha256.Sum256(stored)
	st := l.c.st
	if err := writeObject(ctx, st, l.lp.path+"/"+manifestName, stored); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	// sha256sum format, so that `sha256sum -c MANIFEST.sha256` works in the folder.
	line := hex.EncodeToString(sum[:]) + "  " + manifestName + "\n"
	if err := writeObject(ctx, st, l.lp.path+"/"+checksumName, []byte(line)); err != nil {
		return fmt.Errorf("write manifest checksum: %w", err)
	}
	entry, _ := json.Marshal(summarize(m))
	key := l.lp.chainIndexDir() + desc(m.EndTime) + "_" + string(m.Kind) + "_" + m.ID + ".json"
	if err := writeObject(ctx, st, key, entry); err != nil {
		return fmt.Errorf("write index entry: %w", err)
	}
	if err := writeObject(ctx, st, latestPrefix+desc(m.EndTime), []byte(l.lp.chain)); err != nil {
		return fmt.Errorf("write latest pointer: %w", err)
	}
	l.committed = true
	return nil
}

// manifestEncoder compresses manifests; EncodeAll is safe for concurrent
// use and deterministic, which a retried Commit relies on.
var manifestEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))

// check reports whether f is a file this layer wrote, unchanged.
func (l *Layer) check(f FileInfo) error {
	w, ok := l.files[f.Name]
	switch {
	case !ok:
		return fmt.Errorf("the manifest names %s, which was not written to layer %s", f.Name, l.lp.path)
	case w.Size != f.Size || w.SHA256 != f.SHA256:
		return fmt.Errorf("the manifest entry of %s does not match the file written (size %d, sha256 %s)", f.Name, w.Size, w.SHA256)
	}
	return nil
}

func summarize(m *Manifest) Summary {
	s := Summary{
		ID: m.ID, Kind: m.Kind, Path: m.Path, Chain: m.Chain, Cluster: m.Cluster, Database: m.Database,
		Partial: m.Partial, StartTime: m.StartTime, EndTime: m.EndTime, RevisionHistory: m.RevisionHistory,
		Tables: len(m.Tables), StartedAt: m.StartedAt, FinishedAt: m.FinishedAt, CreatedBy: m.CreatedBy,
		StoredBytes: m.Schema.Archive.Size, KeepDays: m.KeepDays, Warnings: len(m.Warnings),
	}
	if lo := m.LargeObjects; lo != nil {
		s.LargeObjects = lo.Count
		s.RawBytes += lo.Archive.RawSize
		s.StoredBytes += lo.Archive.Size
	}
	for _, t := range m.Tables {
		s.Rows += t.Rows
		s.RawBytes += t.RawBytes
		s.StoredBytes += t.StoredBytes
	}
	return s
}

// Abort deletes every object in the layer's folder (including files written
// by an earlier process that the layer does not know of), manifest first.
// Files already gone are fine. Abort or finish the layer's open FileWriters
// first. A committed layer is refused: deleting backups is retention's job.
func (l *Layer) Abort(ctx context.Context) error {
	l.mu.Lock()
	if l.err != nil {
		l.mu.Unlock()
		return l.err
	}
	if l.committed {
		l.mu.Unlock()
		return fmt.Errorf("layer %s is committed and cannot be aborted", l.lp.path)
	}
	l.aborted = true
	l.mu.Unlock()

	committed, err := l.c.indexed(ctx, l.lp)
	if err != nil {
		return err
	}
	if committed {
		return fmt.Errorf("layer %s is committed and cannot be aborted", l.lp.path)
	}
	objs, err := l.c.st.List(ctx, l.lp.path+"/")
	if err != nil {
		return err
	}
	first := []string{l.lp.path + "/" + checksumName, l.lp.path + "/" + manifestName}
	for _, o := range objs {
		if !slices.Contains(first, o.Key) {
			first = append(first, o.Key)
		}
	}
	var errs []error
	for _, key := range first {
		if err := l.c.st.Delete(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
