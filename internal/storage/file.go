package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
)

func init() { Register("file", fileBackend{}) }

// Backups hold database contents: keep them from other local users.
const (
	fileMode = 0o640
	dirMode  = 0o750
)

// fileBackend stores objects as files under a local folder. Reads and
// listings go through gocloud's fileblob; writes are done here so that each
// file is fsynced and committed with link(2), which refuses to replace an
// existing file.
type fileBackend struct{}

func (fileBackend) Parse(u *url.URL) (Location, error) {
	const example = "file:///var/backups/strata"
	if u.Opaque != "" || (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
		return Location{}, fmt.Errorf("file:// needs an absolute path such as %s (three slashes)", example)
	}
	if u.RawQuery != "" {
		return Location{}, fmt.Errorf("file:// URIs take no options (remove %q)", "?"+u.RawQuery)
	}
	p := filepath.Clean(u.Path)
	if p == "/" {
		return Location{}, fmt.Errorf("file:// needs a folder, not the root of the file system: for example %s", example)
	}
	if !utf8.ValidString(p) || strings.ContainsFunc(p, unicode.IsControl) {
		return Location{}, fmt.Errorf("the folder %q is not text: write its name without control characters (such as %%00) or bytes that are not UTF-8", p)
	}
	return Location{Scheme: "file", Path: p}, nil
}

func (fileBackend) Open(ctx context.Context, loc Location, _ Credentials) (Bucket, error) {
	fb := &fileBucket{dir: loc.Path}
	if err := os.MkdirAll(loc.Path, dirMode); err != nil {
		return nil, &Error{Op: "open", Err: err, Hint: fb.Hint(err)}
	}
	fi, err := os.Stat(loc.Path)
	if err != nil {
		return nil, &Error{Op: "open", Err: err, Hint: fb.Hint(err)}
	}
	if !fi.IsDir() {
		return nil, &Error{Op: "open", Err: fmt.Errorf("%s is not a folder", loc.Path),
			Hint: fmt.Sprintf("%s is a file, not a folder: choose a folder for the collection", loc.Path)}
	}
	b, err := fileblob.OpenBucket(loc.Path, &fileblob.Options{Metadata: fileblob.MetadataDontWrite, DirFileMode: dirMode})
	if err != nil {
		return nil, &Error{Op: "open", Err: err, Hint: fb.Hint(err)}
	}
	fb.b = b
	return fb, nil
}

type fileBucket struct {
	dir string
	b   *blob.Bucket
}

func (f *fileBucket) Blob() *blob.Bucket { return f.b }
func (f *fileBucket) Close() error       { return f.b.Close() }

func (f *fileBucket) path(key string) string {
	return filepath.Join(f.dir, filepath.FromSlash(key))
}

func (f *fileBucket) NewWriter(ctx context.Context, key string) (io.WriteCloser, error) {
	path := f.path(key)
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return nil, err
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := path + "." + hex.EncodeToString(rnd[:]) + ".tmp" // matches tempName
	file, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, fs.ErrNotExist) {
		// The folder exists (made above), yet no file can be made in it.
		return nil, &Error{Op: "create", Key: key, Err: err,
			Hint: fmt.Sprintf("files cannot be created in %s (is it on a special file system such as /proc?): choose an ordinary folder", filepath.Dir(path))}
	}
	if err != nil {
		return nil, err
	}
	return &fileWriter{ctx: ctx, f: file, tmp: tmp, path: path}, nil
}

type fileWriter struct {
	ctx       context.Context
	f         *os.File
	tmp, path string
}

func (w *fileWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.f.Write(p)
}

func (w *fileWriter) Close() error {
	defer os.Remove(w.tmp)
	if err := w.ctx.Err(); err != nil {
		w.f.Close()
		return err
	}
	if err := w.f.Sync(); err != nil {
		w.f.Close()
		return err
	}
	if err := w.f.Close(); err != nil {
		return err
	}
	if err := os.Link(w.tmp, w.path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		// Some file systems have no hard links: check, then rename.
		if _, serr := os.Lstat(w.path); serr == nil {
			return ErrExists
		}
		if err := os.Rename(w.tmp, w.path); err != nil {
			return err
		}
	}
	return syncDir(filepath.Dir(w.path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

func (f *fileBucket) Delete(ctx context.Context, key string) error {
	if err := f.b.Delete(ctx, key); err != nil {
		return err
	}
	// Remove folders left empty, up to the location's own folder. Failing to
	// remove one (not empty, or a concurrent writer) is fine.
	for dir := filepath.Dir(f.path(key)); dir != f.dir && strings.HasPrefix(dir, f.dir+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

func (f *fileBucket) Hint(err error) string {
	switch {
	case isNoSpace(err):
		return fmt.Sprintf("the disk holding %s is full: free space or choose another collection", f.dir)
	case errors.Is(err, syscall.EROFS):
		return fmt.Sprintf("%s is on a read-only file system: choose a writable folder", f.dir)
	case isPermission(err):
		return fmt.Sprintf("permission denied on %s: let the user running Strata (uid %d) read and write it, or choose another folder", pathOf(err, f.dir), os.Getuid())
	case errors.Is(err, syscall.ENOTDIR):
		return fmt.Sprintf("part of %s is a file, not a folder: choose another folder", f.dir)
	}
	return ""
}

// pathOf returns the path named in err, or def.
func pathOf(err error, def string) string {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Path != "" {
		if strings.HasSuffix(pe.Path, ".tmp") {
			return filepath.Dir(pe.Path)
		}
		return pe.Path
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return filepath.Dir(le.New)
	}
	return def
}
