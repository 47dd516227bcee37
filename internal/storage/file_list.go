package storage

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// lister is a Bucket that lists its objects itself. The file backend is
// one: gocloud's fileblob walks the folder from its root again for every
// page of 1,000 objects, so listing a collection of 60,000 files took 30 s
// where one walk takes well under one.
type lister interface {
	// List lists up to limit objects (0: all) in any order; which ones,
	// when limited, is not defined.
	List(ctx context.Context, prefix, delim string, limit int) ([]Object, error)
}

// List lists the files whose key starts with prefix in one walk of the
// folder the prefix names; with delim "/", one level, where a folder is
// listed when a file is somewhere below it (as an object store lists the
// prefixes of its keys). Files that vanish meanwhile are left out.
func (f *fileBucket) List(ctx context.Context, prefix, delim string, limit int) ([]Object, error) {
	base := prefix[:strings.LastIndex(prefix, "/")+1] // the folder part: "" or ends with a slash
	root := f.path(base)
	if delim == "/" {
		return f.listLevel(ctx, root, base, prefix)
	}
	var out []Object
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return skipVanished(err)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		key := base + filepath.ToSlash(strings.TrimPrefix(p, root+string(filepath.Separator)))
		switch {
		case p == root:
			return nil
		case d.IsDir():
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		case !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || strings.HasSuffix(key, ".attrs"):
			return nil
		}
		if o, ok := object(d, key); ok && !tempName.MatchString(key) {
			out = append(out, o)
		}
		if limit > 0 && len(out) >= limit {
			return filepath.SkipAll
		}
		return nil
	})
	return out, err
}

// listLevel lists one level of root, the folder of key prefix base.
func (f *fileBucket) listLevel(ctx context.Context, root, base, prefix string) ([]Object, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Object
	for _, d := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		key := base + d.Name()
		switch {
		case !strings.HasPrefix(key, prefix):
		case d.IsDir():
			if holdsFile(filepath.Join(root, d.Name())) {
				out = append(out, Object{Key: key + "/", IsDir: true})
			}
		case d.Type().IsRegular() && !strings.HasSuffix(key, ".attrs"):
			if o, ok := object(d, key); ok {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// object is the listed file d as key; false when it vanished.
func object(d fs.DirEntry, key string) (Object, bool) {
	info, err := d.Info()
	if err != nil {
		return Object{}, false
	}
	return Object{Key: key, Size: info.Size(), ModTime: info.ModTime()}, true
}

// holdsFile reports whether a regular file is somewhere below dir,
// stopping at the first.
func holdsFile(dir string) bool {
	found := errors.New("found")
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return skipVanished(err)
		}
		if d.Type().IsRegular() && !strings.HasSuffix(p, ".attrs") && !tempName.MatchString(path.Base(filepath.ToSlash(p))) {
			return found
		}
		return nil
	})
	return err == found
}

// skipVanished ignores a file or folder removed while it was being walked.
func skipVanished(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
