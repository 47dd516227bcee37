package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Append records e and returns it as stored: with ID, Time, PrevHash, Hash
// and HashVersion set and secret params redacted. Fields of e that Append
// sets are ignored. Every entriesPerCheckpoint entries, Append then writes
// a checkpoint to the log's anchors.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	stored, err := l.AppendBatch(ctx, e)
	if err != nil {
		return Entry{}, err
	}
	l.checkpointIfDue(ctx, stored[0].ID)
	return stored[0], nil
}

// AppendBatch appends entries, in order, in one transaction: all of them
// are recorded, or none. Entries appended so are checkpointed by the next
// Append or Checkpoint.
func (l *Log) AppendBatch(ctx context.Context, entries ...Entry) ([]Entry, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	var stored []Entry
	err := l.store.Append(ctx, func(head Head) (rows []Row, err error) {
		rows, stored, err = l.chain(head, entries)
		return rows, err
	})
	if err != nil {
		return nil, err
	}
	return stored, nil
}

// chain returns the rows of entries, in order, after head, and the entries
// as stored.
func (l *Log) chain(head Head, entries []Entry) ([]Row, []Entry, error) {
	if head.ID == 0 {
		head.Hash = zeroHash
	}
	rows := make([]Row, 0, len(entries))
	stored := make([]Entry, 0, len(entries))
	h := newHasher(l.key)
	for _, e := range entries {
		if err := validate(e); err != nil {
			return nil, nil, err
		}
		params, cleanParams, err := encodeParams(e.Params)
		if err != nil {
			return nil, nil, err
		}
		// Times never go backwards along the chain, even if the clock
		// does, so a time range maps to an id range (see Store.List).
		t := l.now().UTC()
		if t.Before(head.Time) {
			t = head.Time
		}
		r := Row{
			ID:          head.ID + 1,
			Time:        t.Format(TimeLayout),
			Actor:       clean(e.Actor, maxFieldBytes),
			Role:        clean(e.Role, maxFieldBytes),
			Source:      e.Source,
			Action:      clean(e.Action, maxFieldBytes),
			TargetType:  clean(e.TargetType, maxFieldBytes),
			TargetID:    clean(e.TargetID, maxFieldBytes),
			Params:      params,
			Outcome:     e.Outcome,
			Message:     clean(e.Message, maxTextBytes),
			ClientAddr:  clean(e.ClientAddr, maxFieldBytes),
			RequestID:   clean(e.RequestID, maxFieldBytes),
			PrevHash:    head.Hash,
			HashVersion: HashHMAC,
		}
		r.Hash = h.hash(&r)
		entry, err := r.entry()
		if err != nil {
			return nil, nil, err
		}
		entry.Params = cleanParams
		rows, stored = append(rows, r), append(stored, entry)
		head = Head{ID: r.ID, Time: t, Hash: r.Hash}
	}
	return rows, stored, nil
}

func validate(e Entry) error {
	switch {
	case e.Action == "":
		return errors.New("audit: entry has no action")
	case e.Source != SourceUI && e.Source != SourceAPI && e.Source != SourceCLI && e.Source != SourceScheduler:
		return fmt.Errorf("audit: %s: unknown source %q", e.Action, e.Source)
	case e.Outcome != OutcomeOK && e.Outcome != OutcomeDenied && e.Outcome != OutcomeError:
		return fmt.Errorf("audit: %s: unknown outcome %q", e.Action, e.Outcome)
	}
	return nil
}

// clean makes s valid UTF-8, so what is stored is what is displayed, of at
// most max bytes (and a marker).
func clean(s string, max int) string {
	return bounded(strings.ToValidUTF8(s, "\uFFFD"), max)
}
