package audit

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// CheckpointFileName is the checkpoint file in the data dir, beside the
// state store: JSON Lines, one checkpoint a line, oldest first.
const CheckpointFileName = "audit-checkpoints.jsonl"

// checkpointFileLines bounds the file (about 200 bytes a line): the
// oldest lines are dropped beyond it.
const checkpointFileLines = 5000

// checkpointLine is a checkpoint as a line of the file and as an object of
// a storage anchor.
type checkpointLine struct {
	EntryID   int64  `json:"entry_id"`
	Hash      string `json:"hash"`
	Count     int64  `json:"count"`
	KeyedFrom int64  `json:"keyed_from"`
	Time      string `json:"time"`
	MAC       string `json:"mac"`
}

func marshalCheckpoint(c Checkpoint) ([]byte, error) {
	return json.Marshal(checkpointLine{EntryID: c.EntryID, Hash: c.Hash, Count: c.Count, KeyedFrom: c.KeyedFrom,
		Time: c.Time.UTC().Format(TimeLayout), MAC: c.MAC})
}

func unmarshalCheckpoint(b []byte) (Checkpoint, error) {
	var cl checkpointLine
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&cl); err != nil {
		return Checkpoint{}, errors.New("not a checkpoint")
	}
	t, err := time.Parse(time.RFC3339Nano, cl.Time)
	if err != nil || cl.EntryID <= 0 {
		return Checkpoint{}, errors.New("not a checkpoint")
	}
	return Checkpoint{EntryID: cl.EntryID, Hash: cl.Hash, Count: cl.Count, KeyedFrom: cl.KeyedFrom, Time: t.UTC(), MAC: cl.MAC}, nil
}

// CheckpointFile is the anchor every console has: a file in the data dir,
// rewritten whole (a new file renamed over the old, mode 0600) for each
// checkpoint, so it is never seen half written. Whoever can write the data
// dir can rewrite it, and holds the key to sign what they write; a storage
// anchor (NewStorageAnchor) is what stands against them.
type CheckpointFile struct {
	path     string
	maxLines int
	mu       sync.Mutex
}

// NewCheckpointFile returns the checkpoint file of dataDir.
func NewCheckpointFile(dataDir string) *CheckpointFile {
	return &CheckpointFile{path: filepath.Join(dataDir, CheckpointFileName), maxLines: checkpointFileLines}
}

func (f *CheckpointFile) String() string { return "checkpoint file " + f.path }

// Add appends c as a line. Two processes adding at the same moment may
// lose one of the two lines; each line stays true of the chain, so that
// costs only how recent the newest is.
func (f *CheckpointFile) Add(_ context.Context, c Checkpoint) error {
	line, err := marshalCheckpoint(c)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	lines, err := f.lines()
	if err != nil {
		return err
	}
	lines = append(lines, line)
	lines = lines[max(0, len(lines)-f.maxLines):]
	return writeFileAtomic(f.path, append(bytes.Join(lines, []byte("\n")), '\n'))
}

// Checkpoints returns the file's checkpoints ordered by entry id, none when
// there is no file. A line that is not a checkpoint is an error naming it.
func (f *CheckpointFile) Checkpoints(context.Context) ([]Checkpoint, error) {
	lines, err := f.lines()
	if err != nil {
		return nil, err
	}
	cps := make([]Checkpoint, 0, len(lines))
	for i, line := range lines {
		c, err := unmarshalCheckpoint(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		cps = append(cps, c)
	}
	slices.SortStableFunc(cps, byEntryID)
	return cps, nil
}

// lines returns the file's non-empty lines, none when there is no file.
func (f *CheckpointFile) lines() ([][]byte, error) {
	data, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var lines [][]byte
	for line := range bytes.Lines(data) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			lines = append(lines, line)
		}
	}
	return lines, nil
}

// writeFileAtomic replaces path with data: a temporary file (mode 0600)
// synced, renamed over path, and the folder synced.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func byEntryID(a, b Checkpoint) int { return cmp.Compare(a.EntryID, b.EntryID) }
