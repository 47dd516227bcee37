package audit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/stratabackup/strata/internal/storage"
)

// CheckpointPrefix is where a StorageAnchor keeps its checkpoints.
const CheckpointPrefix = "audit-checkpoints/"

// checkpointName is a checkpoint object's key: its entry id (20 digits, so
// keys sort by id) and hash, so that listing the prefix gives every
// checkpoint to compare with the chain without reading each object.
var checkpointName = regexp.MustCompile(`^` + CheckpointPrefix + `([0-9]{20})-([0-9a-f]{64})\.json$`)

func checkpointKey(c Checkpoint) string {
	return fmt.Sprintf("%s%020d-%s.json", CheckpointPrefix, c.EntryID, c.Hash)
}

// StorageAnchor keeps checkpoints as write-once objects in a storage
// location, one per checkpoint, never overwritten (storage.Store.Create).
// On storage with object lock nobody can change or remove them, not even
// with the data dir's keys and credentials; they can only add objects,
// which only adds checks the chain must pass.
type StorageAnchor struct {
	name string
	open func(context.Context) (*storage.Store, error)
}

// NewStorageAnchor returns an anchor named name (for people) that opens
// its location with open for each checkpoint and verification.
func NewStorageAnchor(name string, open func(context.Context) (*storage.Store, error)) *StorageAnchor {
	return &StorageAnchor{name: name, open: open}
}

func (a *StorageAnchor) String() string { return a.name }

// Add writes c as a new object; a checkpoint of the same entry and hash
// written before (by another process) is left as it is.
func (a *StorageAnchor) Add(ctx context.Context, c Checkpoint) error {
	st, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	body, err := marshalCheckpoint(c)
	if err != nil {
		return err
	}
	w, err := st.Create(ctx, checkpointKey(c))
	if errors.Is(err, storage.ErrExists) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := w.Write(append(body, '\n')); err != nil {
		w.Abort()
		return err
	}
	if err := w.Close(); err != nil && !errors.Is(err, storage.ErrExists) {
		return err
	}
	return nil
}

// Checkpoints returns every checkpoint under CheckpointPrefix, ordered by
// entry id. The newest is read whole, with its MAC; the others are known
// by their key alone: entry id and hash, Count the entry id, no MAC.
func (a *StorageAnchor) Checkpoints(ctx context.Context) ([]Checkpoint, error) {
	st, err := a.open(ctx)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	objs, err := st.List(ctx, CheckpointPrefix)
	if err != nil {
		return nil, err
	}
	var cps []Checkpoint
	var newestKey string
	for _, o := range objs {
		m := checkpointName.FindStringSubmatch(o.Key)
		if m == nil {
			continue // not written by an anchor
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		cps = append(cps, Checkpoint{EntryID: id, Hash: m[2], Count: id})
		newestKey = o.Key
	}
	if len(cps) == 0 {
		return nil, nil
	}
	newest, err := readCheckpoint(ctx, st, newestKey)
	if err != nil {
		return nil, err
	}
	if last := cps[len(cps)-1]; newest.EntryID != last.EntryID || newest.Hash != last.Hash {
		return nil, fmt.Errorf("%s does not hold the checkpoint its name says", newestKey)
	}
	cps[len(cps)-1] = newest
	return cps, nil
}

func readCheckpoint(ctx context.Context, st *storage.Store, key string) (Checkpoint, error) {
	r, err := st.Open(ctx, key)
	if err != nil {
		return Checkpoint{}, err
	}
	defer r.Close()
	body, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return Checkpoint{}, err
	}
	c, err := unmarshalCheckpoint(body)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%s: %w", key, err)
	}
	return c, nil
}
