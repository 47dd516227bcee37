package collection

import (
	"context"
	"errors"

	"github.com/stratabackup/strata/internal/storage"
)

// ChainLock returns the object lock that lapses last among the layers of a
// chain, on storage that locks objects (see storage.Store.Locking). For
// each layer it reads the lock of the last object the layer's commit wrote,
// its latest pointer (its MANIFEST.sha256 when that is gone): with a
// bucket's default retention every other object of the layer was written
// before it, so its lock lapses no later. Reading every layer, not only the
// newest, covers a retention period shortened between layers.
func (c *Collection) ChainLock(ctx context.Context, layers []Summary) (storage.Lock, error) {
	var lock storage.Lock
	for _, l := range layers {
		var got storage.Lock
		var err error
		for _, key := range []string{latestPrefix + desc(l.EndTime), l.Path + "/" + checksumName} {
			if got, err = c.st.Lock(ctx, key); !errors.Is(err, storage.ErrNotFound) {
				break
			}
		}
		if err != nil {
			return storage.Lock{}, err
		}
		lock = lock.Later(got)
	}
	return lock, nil
}
