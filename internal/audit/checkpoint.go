package audit

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Checkpoint is a signed statement of the chain's head kept outside the
// state store: entry EntryID had Hash, the log held Count entries, and its
// keyed entries began at KeyedFrom (0: none yet), at Time.
type Checkpoint struct {
	EntryID   int64
	Hash      string
	Count     int64
	KeyedFrom int64
	Time      time.Time
	// MAC is the HMAC-SHA256 of the canonical encoding with the log's key;
	// "" for a checkpoint known only by its entry id and hash (an anchor's
	// listing), which is then checked against the chain but carries no
	// signature.
	MAC string
}

// entriesPerCheckpoint is how many entries Append lets pass before it
// writes a checkpoint; the console also writes one every few minutes when
// the log has grown (Checkpoint).
const entriesPerCheckpoint = 100

// anchorTimeout bounds the checkpoint writes Append makes after its commit.
const anchorTimeout = 30 * time.Second

// An Anchor keeps checkpoints outside the state store, where whoever can
// write the store cannot rewrite them.
type Anchor interface {
	// String names the anchor for people: "checkpoint file /data/…".
	String() string
	// Add keeps c. It never changes or removes a checkpoint kept before
	// (beyond a bound on how many are kept).
	Add(ctx context.Context, c Checkpoint) error
	// Checkpoints returns the checkpoints kept, ordered by entry id; none
	// (and no error) when the anchor holds none, not even a file.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
}

// WithAnchors makes the log write checkpoints to anchors and verify the
// chain against theirs.
func WithAnchors(anchors ...Anchor) Option {
	return func(l *Log) { l.anchors = append(l.anchors, anchors...) }
}

// appendCheckpoint appends the canonical encoding of c that its MAC covers,
// a JSON object without whitespace, keys in this order:
//
//	{"entry_id":150,"hash":"…","count":150,"keyed_from":1,"time":"2026-01-02T03:04:05.000000000Z"}
//
// Numbers are decimal integers, strings are escaped as in entries'
// encoding, time is in TimeLayout. No entry's encoding begins with
// {"entry_id":, so a checkpoint's MAC can never pass for an entry's hash.
func appendCheckpoint(b []byte, c *Checkpoint) []byte {
	b = append(b, `{"entry_id":`...)
	b = strconv.AppendInt(b, c.EntryID, 10)
	b = appendField(b, "hash", c.Hash)
	b = append(b, `,"count":`...)
	b = strconv.AppendInt(b, c.Count, 10)
	b = append(b, `,"keyed_from":`...)
	b = strconv.AppendInt(b, c.KeyedFrom, 10)
	b = appendField(b, "time", c.Time.UTC().Format(TimeLayout))
	return append(b, '}')
}

func (k Key) signCheckpoint(c *Checkpoint) string {
	m := k.newMAC()
	m.Write(appendCheckpoint(nil, c))
	return hex.EncodeToString(m.Sum(nil))
}

// signedBy reports whether c carries a MAC made with k.
func (c *Checkpoint) signedBy(k Key) bool {
	return hmac.Equal([]byte(c.MAC), []byte(k.signCheckpoint(c)))
}

// Checkpoint writes a signed checkpoint of the chain's head to every anchor
// that has not been given it yet by this process. The console calls it at
// start and every few minutes; Append calls it every entriesPerCheckpoint
// entries. A failed anchor is tried again on the next call; the error names
// every anchor that failed.
func (l *Log) Checkpoint(ctx context.Context) error {
	l.anchorMu.Lock()
	defer l.anchorMu.Unlock()
	return l.checkpoint(ctx)
}

// checkpoint is Checkpoint with anchorMu held.
func (l *Log) checkpoint(ctx context.Context) error {
	if len(l.anchors) == 0 {
		return nil
	}
	c, err := l.head(ctx)
	if err != nil || c.EntryID == 0 {
		return err
	}
	c.MAC = l.key.signCheckpoint(&c)
	if l.anchored == nil {
		l.anchored = make([]int64, len(l.anchors))
	}
	var errs []error
	for i, a := range l.anchors {
		if l.anchored[i] >= c.EntryID {
			continue
		}
		if err := a.Add(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("audit: checkpoint to %s: %w", a, err))
			continue
		}
		l.anchored[i] = c.EntryID
	}
	// Append tries a failing anchor again only when the next checkpoint is
	// due, so that it does not slow every append; Checkpoint's periodic
	// caller retries sooner.
	l.nextCheckpoint.Store(c.EntryID + entriesPerCheckpoint)
	return errors.Join(errs...)
}

// checkpointIfDue writes a checkpoint when entry id is entriesPerCheckpoint
// past the last one, unless another is being written. Its errors are
// logged: the entries it follows are committed.
func (l *Log) checkpointIfDue(ctx context.Context, id int64) {
	if len(l.anchors) == 0 || id < l.nextCheckpoint.Load() || !l.anchorMu.TryLock() {
		return
	}
	defer l.anchorMu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), anchorTimeout)
	defer cancel()
	if err := l.checkpoint(ctx); err != nil {
		l.log.Error("audit checkpoint not written", "error", err)
	}
}

// head returns the unsigned checkpoint of the newest entry (EntryID 0 when
// the log is empty).
func (l *Log) head(ctx context.Context) (Checkpoint, error) {
	var c Checkpoint
	var err error
	c.EntryID, c.Hash, err = l.store.Newest(ctx)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: checkpoint: %w", err)
	}
	if c.EntryID == 0 {
		return Checkpoint{}, nil
	}
	// Entry ids run from 1 without a gap.
	c.Count = c.EntryID
	if c.KeyedFrom, err = l.firstKeyed(ctx); err != nil {
		return Checkpoint{}, err
	}
	c.Time = l.now().UTC()
	return c, nil
}

// firstKeyed returns the first entry hashed with the key, 0 when there is
// none. Once there is one it never changes, so it is looked up once.
func (l *Log) firstKeyed(ctx context.Context) (int64, error) {
	if id := l.keyedFrom.Load(); id > 0 {
		return id, nil
	}
	id, err := l.store.FirstKeyed(ctx)
	if err != nil {
		return 0, err
	}
	l.keyedFrom.Store(id)
	return id, nil
}
