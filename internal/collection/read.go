package collection

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

const (
	maxManifestSize = 256 << 20 // stored bytes
	maxManifestJSON = 2 << 30   // decompressed bytes
	maxIndexEntry   = 1 << 20
	maxWindow       = 64 << 20 // zstd window a data file may ask for (ours use at most 8 MiB)
)

var indexEntryRE = regexp.MustCompile(`^index/[0-9a-f]{16}_[^/]+/[0-9a-f]{16}_(full|incremental)_[^/]+\.json$`)

// Backups lists the committed layers, newest end time first, from the index
// alone (no manifest is read). A layer without an index entry is not listed.
// When some entries are damaged it returns the layers it could list with a
// *DamagedIndexError naming the others.
func (c *Collection) Backups(ctx context.Context) ([]Summary, error) {
	return c.summaries(ctx, indexPrefix)
}

func (c *Collection) summaries(ctx context.Context, prefix string) ([]Summary, error) {
	objs, err := c.st.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, o := range objs {
		if indexEntryRE.MatchString(o.Key) {
			keys = append(keys, o.Key)
		}
	}
	sums := make([]Summary, len(keys))
	errs := make([]error, len(keys))
	damage := make([]error, len(keys))
	gone := make([]bool, len(keys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, key := range keys {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			b, err := readObject(ctx, c.st, key, maxIndexEntry)
			var tooLarge *tooLargeError
			switch {
			case errors.Is(err, storage.ErrNotFound):
				gone[i] = true // removed since the listing
			case errors.As(err, &tooLarge):
				damage[i] = err
			case err != nil:
				errs[i] = fmt.Errorf("read index entry %s: %w", key, err)
			default:
				if damage[i] = json.Unmarshal(b, &sums[i]); damage[i] == nil {
					damage[i] = checkSummary(key, sums[i])
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(keys))
	var damaged *DamagedIndexError
	for i, key := range keys {
		if gone[i] {
			continue
		}
		if damage[i] == nil {
			out = append(out, sums[i])
			continue
		}
		if damaged == nil {
			damaged = new(DamagedIndexError)
		}
		damaged.Entries = append(damaged.Entries, DamagedEntry{Key: key, Chain: chainOfIndexKey(key), Err: damage[i]})
	}
	slices.SortStableFunc(out, func(a, b Summary) int {
		if c := b.EndTime.Compare(a.EndTime); c != 0 {
			return c
		}
		return strings.Compare(b.Path, a.Path)
	})
	if damaged != nil {
		return out, damaged
	}
	return out, nil
}

// indexed reports whether the layer at lp has an index entry.
func (c *Collection) indexed(ctx context.Context, lp layerPath) (bool, error) {
	sums, err := c.summaries(ctx, lp.chainIndexDir())
	if err != nil {
		return false, err
	}
	for _, s := range sums {
		if s.Path == lp.path {
			return true, nil
		}
	}
	return false, nil
}

// LatestChain returns the path of the full backup whose chain was committed
// last, from the metadata/latest pointers, or ErrNoBackup.
func (c *Collection) LatestChain(ctx context.Context) (string, error) {
	objs, err := c.st.List(ctx, latestPrefix)
	if err != nil {
		return "", err
	}
	if len(objs) == 0 {
		return "", noBackupError("this collection holds no backup yet")
	}
	b, err := readObject(ctx, c.st, objs[0].Key, 4096)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Manifest reads the manifest of the layer at path, checking it against
// MANIFEST.sha256. A layer whose manifest was never written matches ErrNoBackup.
func (c *Collection) Manifest(ctx context.Context, path string) (*Manifest, error) {
	lp, err := parseLayerPath(path)
	if err != nil {
		return nil, err
	}
	notFound := noBackupError(fmt.Sprintf("no backup at path %s", path))
	line, err := readObject(ctx, c.st, path+"/"+checksumName, 4096)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	want, _, _ := strings.Cut(strings.TrimSpace(string(line)), " ")
	stored, err := readObject(ctx, c.st, path+"/"+manifestName, maxManifestSize)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(stored); hex.EncodeToString(sum[:]) != want {
		return nil, &ChecksumError{Path: path + "/" + manifestName, Detail: "checksum mismatch"}
	}
	return decodeManifest(lp, stored)
}

// decodeManifest decodes the stored manifest of the layer at lp.
func decodeManifest(lp layerPath, stored []byte) (*Manifest, error) {
	path := lp.path
	dec, err := zstd.NewReader(bytes.NewReader(stored), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxManifestJSON))
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	js, err := io.ReadAll(dec)
	if err != nil {
		return nil, &ChecksumError{Path: path + "/" + manifestName, Detail: err.Error()}
	}
	var v struct {
		FormatVersion int `json:"format_version"`
	}
	if err := json.Unmarshal(js, &v); err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", path, err)
	}
	if v.FormatVersion > FormatVersion {
		return nil, usererror.Errorf("backup %s was written by a newer Strata (format %d; this version reads up to %d): upgrade Strata to restore it", path, v.FormatVersion, FormatVersion)
	}
	m := new(Manifest)
	if err := json.Unmarshal(js, m); err != nil {
		return nil, fmt.Errorf("manifest of %s: %w", path, err)
	}
	if m.Path != path || m.Kind != lp.kind {
		return nil, fmt.Errorf("manifest in %s describes %s %s: the collection was altered", path, m.Kind, m.Path)
	}
	return m, nil
}

// Resolve finds the backup a restore asks for. spec is "LATEST" (the newest
// full backup of database) or a layer path. database may be empty when the
// collection holds a single database.
func (c *Collection) Resolve(ctx context.Context, spec, database string) (*Manifest, error) {
	spec = strings.TrimSpace(spec)
	if !strings.EqualFold(spec, "LATEST") {
		path := strings.Trim(spec, "/")
		m, err := c.Manifest(ctx, path)
		if err != nil {
			return nil, err
		}
		if database != "" && m.Database != database {
			return nil, noBackupError(fmt.Sprintf("the backup at path %s is of database %s, not %s", path, m.Database, database))
		}
		return m, nil
	}
	sums, damaged, err := Readable(c.Backups(ctx))
	if err != nil {
		return nil, err
	}
	if database == "" {
		switch dbs := Databases(sums); len(dbs) {
		case 0:
			if damaged != nil {
				return nil, damaged
			}
			return nil, noBackupError("this collection holds no full backup")
		case 1:
			database = dbs[0]
		default:
			return nil, usererror.Errorf("this collection holds backups of several databases (%s): name the database", strings.Join(dbs, ", "))
		}
	}
	for _, s := range sums {
		if s.Kind == KindFull && s.Database == database {
			if err := damaged.Hides(s.Chain, true); err != nil {
				return nil, err
			}
			return c.Manifest(ctx, s.Path)
		}
	}
	if damaged != nil {
		return nil, damaged
	}
	return nil, noBackupError(fmt.Sprintf("no backup of database %s in this collection", database))
}

// ChecksumError means a stored file does not match its manifest entry.
type ChecksumError struct {
	Path   string // the file's path in the collection
	Detail string // what did not match
}

func (e *ChecksumError) Error() string {
	return "backup file " + e.Path + " is corrupt: " + e.Detail
}

// Unwrap makes a ChecksumError a user error: its message names the file.
func (e *ChecksumError) Unwrap() error { return usererror.New(e.Error()) }

// OpenFile opens a file of the layer at layerPath and returns its raw
// (decompressed) bytes. It checks the stored size and SHA-256 against f as it
// streams, and returns a *ChecksumError instead of the final io.EOF when they
// do not match, so a reader never mistakes a damaged file for a complete one.
func (c *Collection) OpenFile(ctx context.Context, layerPath string, f FileInfo) (io.ReadCloser, error) {
	if _, err := parseLayerPath(layerPath); err != nil {
		return nil, err
	}
	if err := storage.CheckKey(f.Name); err != nil {
		return nil, err
	}
	path := layerPath + "/" + f.Name
	r, err := c.st.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	v := &verifier{r: r, h: sha256.New()}
	dec, err := zstd.NewReader(v, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxWindow), zstd.WithDecoderLowmem(true))
	if err != nil {
		r.Close()
		return nil, err
	}
	return &fileReader{dec: dec, v: v, f: f, path: path}, nil
}

// verifier hashes and counts the stored bytes as the decoder reads them.
type verifier struct {
	r   io.ReadCloser
	h   hash.Hash
	n   int64
	eof bool
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		v.eof = true
	}
	return n, err
}

type fileReader struct {
	dec  *zstd.Decoder
	v    *verifier
	f    FileInfo
	path string
	raw  int64
	err  error // sticky final result
}

func (r *fileReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.dec.Read(p)
	r.raw += int64(n)
	if err == nil {
		return n, nil
	}
	r.err = r.finish(err)
	return n, r.err
}

// finish decides what the reader's last error is once the decoder stops:
// io.EOF only if every stored byte was read and matches the manifest.
func (r *fileReader) finish(decErr error) error {
	if !r.v.eof {
		// The decoder stopped early (an error, or trailing bytes): read the
		// rest so that the checksum covers the whole stored file.
		if _, err := io.Copy(io.Discard, r.v); err != nil {
			return err
		}
	}
	switch {
	case r.v.n != r.f.Size:
		return &ChecksumError{Path: r.path, Detail: fmt.Sprintf("%d bytes stored, the manifest says %d", r.v.n, r.f.Size)}
	case hex.EncodeToString(r.v.h.Sum(nil)) != r.f.SHA256:
		return &ChecksumError{Path: r.path, Detail: "checksum mismatch"}
	case decErr != io.EOF:
		return &ChecksumError{Path: r.path, Detail: "cannot decompress: " + decErr.Error()}
	case r.raw != r.f.RawSize:
		return &ChecksumError{Path: r.path, Detail: fmt.Sprintf("%d bytes after decompression, the manifest says %d", r.raw, r.f.RawSize)}
	}
	return io.EOF
}

func (r *fileReader) Close() error {
	r.dec.Close()
	return r.v.r.Close()
}

// Incomplete lists the folders of layers that hold files but were never
// committed (no index entry): backups that failed, were canceled, or are
// being written now.
func (c *Collection) Incomplete(ctx context.Context) ([]string, error) {
	sums, damaged, err := Readable(c.Backups(ctx))
	if err != nil {
		return nil, err
	}
	return c.IncompleteBeside(ctx, sums, damaged)
}

// IncompleteBeside is Incomplete for a caller that has the layers (and
// the damaged entries) Backups listed already.
func (c *Collection) IncompleteBeside(ctx context.Context, sums []Summary, damaged *DamagedIndexError) ([]string, error) {
	committed := map[string]bool{}
	for _, s := range sums {
		committed[s.Path] = true
	}
	objs, err := c.st.List(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range objs {
		p := layerOf(o.Key)
		if p == "" || committed[p] {
			continue
		}
		// A layer of a chain with a damaged index entry may be committed.
		if lp, err := parseLayerPath(p); err != nil || damaged.Hides(lp.chain, false) != nil {
			continue
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// layerOf returns the layer folder holding key, or "".
func layerOf(key string) string {
	if strings.HasPrefix(key, incrementalDir) {
		// incrementals/YYYY/MM/DD-HHMMSS.ss/<end>-<start>/...
		parts := strings.SplitN(key, "/", 6)
		if len(parts) == 6 {
			p := strings.Join(parts[:5], "/")
			if incPathRE.MatchString(p) {
				return p
			}
		}
		return ""
	}
	parts := strings.SplitN(key, "/", 4)
	if len(parts) == 4 {
		p := strings.Join(parts[:3], "/")
		if fullPathRE.MatchString(p) {
			return p
		}
	}
	return ""
}
