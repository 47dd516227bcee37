package collection

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// RemoveChain deletes a chain: a full backup and every incremental on it.
// The order never leaves a listed layer without its files: first the
// chain's index entries (from then on nothing of it is listed or
// restorable) and the latest pointers naming it, then each layer's
// manifest, then its files, newest layer first. On object-locked storage a
// delete may be refused; what is left is then unlisted garbage, and a
// second call removes it. It returns the paths of the layers removed.
func (c *Collection) RemoveChain(ctx context.Context, chain string) ([]string, error) {
	lp, err := parseLayerPath(chain)
	if err != nil || lp.kind != KindFull {
		return nil, fmt.Errorf("%s is not a full backup's path", chain)
	}
	sums, damaged, err := Readable(c.Backups(ctx))
	if err != nil {
		return nil, err
	}
	var layers []string // newest first, as Backups lists them
	for _, s := range sums {
		if s.Chain == chain {
			layers = append(layers, s.Path)
		}
	}
	// A chain with a damaged index entry can be removed: that is how it is
	// repaired. Its full backup is counted even if its entry is the one
	// damaged.
	if hurt, _ := damaged.Chains(); slices.Contains(hurt, chain) && !slices.Contains(layers, chain) {
		layers = append(layers, chain)
	}
	if len(layers) == 0 {
		return nil, noBackupError(fmt.Sprintf("this collection holds no backup %s", chain))
	}
	entries, err := c.st.List(ctx, lp.chainIndexDir())
	if err != nil {
		return nil, err
	}
	for _, o := range entries {
		if err := c.st.Delete(ctx, o.Key); err != nil {
			return nil, err
		}
	}
	pointers, err := c.st.List(ctx, latestPrefix)
	if err != nil {
		return nil, err
	}
	for _, o := range pointers {
		b, err := readObject(ctx, c.st, o.Key, 4096)
		if err != nil {
			return nil, err
		}
		if string(b) == chain {
			if err := c.st.Delete(ctx, o.Key); err != nil {
				return nil, err
			}
		}
	}
	for _, prefix := range []string{incrementalDir + chain + "/", chain + "/"} {
		if err := c.deleteLayers(ctx, prefix); err != nil {
			return nil, err
		}
	}
	return layers, nil
}

// deleteLayers deletes every object under prefix: manifests and checksums
// first, so that no half-deleted layer looks complete.
func (c *Collection) deleteLayers(ctx context.Context, prefix string) error {
	objs, err := c.st.List(ctx, prefix)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		keys = append(keys, o.Key)
	}
	first := func(k string) bool {
		return strings.HasSuffix(k, "/"+manifestName) || strings.HasSuffix(k, "/"+checksumName)
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		switch {
		case first(a) && !first(b):
			return -1
		case first(b) && !first(a):
			return 1
		}
		return strings.Compare(b, a) // newest layer first
	})
	for _, k := range keys {
		if err := c.st.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}
