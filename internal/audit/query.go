package audit

import (
	"context"
	"fmt"
	"time"
)

// Page sizes for List.
const (
	DefaultLimit = 50
	MaxLimit     = 1000
)

// Filter selects entries; zero fields match everything.
type Filter struct {
	From time.Time // inclusive
	To   time.Time // exclusive
	// Actor, Action and Outcome match exactly.
	Actor, Action, Outcome string
	// Target matches target_type or target_id exactly, or "type:id".
	Target string
}

func (r *Row) entry() (Entry, error) {
	t, err := time.Parse(time.RFC3339Nano, r.Time)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: entry %d: bad time %q", r.ID, r.Time)
	}
	params, err := decodeParams(r.Params)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: entry %d: %w", r.ID, err)
	}
	return Entry{
		ID: r.ID, Time: t.UTC(), Actor: r.Actor, Role: r.Role, Source: r.Source,
		Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID,
		Params: params, Outcome: r.Outcome, Message: r.Message,
		ClientAddr: r.ClientAddr, RequestID: r.RequestID, PrevHash: r.PrevHash, Hash: r.Hash,
		HashVersion: int(r.HashVersion),
	}, nil
}

// Get returns the entry with the given id, or ErrNotFound.
func (l *Log) Get(ctx context.Context, id int64) (Entry, error) {
	r, err := l.store.Get(ctx, id)
	if err != nil {
		return Entry{}, err
	}
	return r.entry()
}

// List returns up to limit entries matching f, newest first, with ids below
// before (0: from the newest). next is the before for the following page, or
// 0 when there is none. limit defaults to DefaultLimit and is capped at
// MaxLimit.
func (l *Log) List(ctx context.Context, f Filter, before int64, limit int) (entries []Entry, next int64, err error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	entries, err = l.page(ctx, f, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].ID
	}
	return entries, next, nil
}

// page returns up to n entries matching f with ids below before, newest first.
func (l *Log) page(ctx context.Context, f Filter, before int64, n int) ([]Entry, error) {
	rows, err := l.store.List(ctx, f, before, n)
	if err != nil {
		return nil, err
	}
	var entries []Entry
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Actions returns the distinct action names, sorted.
func (l *Log) Actions(ctx context.Context) ([]string, error) {
	return l.store.Actions(ctx)
}

// Actors returns the distinct non-empty actors, sorted.
func (l *Log) Actors(ctx context.Context) ([]string, error) {
	return l.store.Actors(ctx)
}
