package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	store "github.com/stratabackup/strata/internal/store/sqlite"
)

// Append records e and returns it as stored: with ID, Time, PrevHash, Hash
// and HashVersion set and secret params redacted. Fields of e that Append
// sets are ignored. Append runs its own transaction: a caller already in a
// transaction on the same store holds the write lock Append would wait for,
// and must use AppendTx. Every entriesPerCheckpoint entries, Append then
// writes a checkpoint to the log's anchors.
func (l *Log) Append(ctx context.Context, e Entry) (Entry, error) {
	stored, err := l.appendOne(ctx, e)
	if err != nil {
		return Entry{}, err
	}
	l.checkpointIfDue(ctx, stored.ID)
	return stored, nil
}

func (l *Log) appendOne(ctx context.Context, e Entry) (Entry, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()

	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	defer tx.Rollback()
	stored, err := l.AppendTx(ctx, tx, e)
	if err != nil {
		return Entry{}, err
	}
	if err := tx.Commit(); err != nil {
		return Entry{}, fmt.Errorf("audit: append: %w", err)
	}
	return stored[0], nil
}

// AppendTx appends entries, in order, inside tx: to record them atomically
// with the caller's own changes, or to append many in one transaction. The
// entries are only recorded if tx commits.
//
// tx must come from a store opened by store.Open, whose transactions take the
// write lock at BEGIN: that is what stops two appenders, even in different
// processes, from both extending the same chain head. Entries appended so
// are checkpointed by the next Append or Checkpoint.
func (l *Log) AppendTx(ctx context.Context, tx *sql.Tx, entries ...Entry) ([]Entry, error) {
	head, err := readHead(ctx, tx)
	if err != nil {
		return nil, err
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO audit_log
		(id, time, actor, role, source, action, target_type, target_id, params,
		 outcome, message, client_addr, request_id, prev_hash, hash, hash_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return nil, fmt.Errorf("audit: append: %w", err)
	}
	defer stmt.Close()

	stored := make([]Entry, 0, len(entries))
	h := newHasher(l.key)
	for _, e := range entries {
		if err := validate(e); err != nil {
			return nil, err
		}
		params, cleanParams, err := encodeParams(e.Params)
		if err != nil {
			return nil, err
		}
		// Times never go backwards along the chain, even if the clock
		// does, so a time range maps to an id range (see idRange).
		t := l.now().UTC()
		if t.Before(head.time) {
			t = head.time
		}
		r := row{
			id:          head.id + 1,
			time:        t.Format(store.TimeLayout),
			actor:       clean(e.Actor, maxFieldBytes),
			role:        clean(e.Role, maxFieldBytes),
			source:      e.Source,
			action:      clean(e.Action, maxFieldBytes),
			targetType:  clean(e.TargetType, maxFieldBytes),
			targetID:    clean(e.TargetID, maxFieldBytes),
			params:      params,
			outcome:     e.Outcome,
			message:     clean(e.Message, maxTextBytes),
			clientAddr:  clean(e.ClientAddr, maxFieldBytes),
			reqID:       clean(e.RequestID, maxFieldBytes),
			prevHash:    head.hash,
			hashVersion: HashHMAC,
		}
		r.hash = h.hash(&r)
		_, err = stmt.ExecContext(ctx, r.id, r.time, r.actor, r.role, r.source, r.action,
			r.targetType, r.targetID, r.params, r.outcome, r.message, r.clientAddr,
			r.reqID, r.prevHash, r.hash, r.hashVersion)
		if err != nil {
			return nil, fmt.Errorf("audit: append: %w", err)
		}
		entry, err := r.entry()
		if err != nil {
			return nil, err
		}
		entry.Params = cleanParams
		stored = append(stored, entry)
		head = chainHead{id: r.id, time: t, hash: r.hash}
	}
	return stored, nil
}

type chainHead struct {
	id   int64
	time time.Time
	hash string
}

func readHead(ctx context.Context, tx *sql.Tx) (chainHead, error) {
	var h chainHead
	var t string
	err := tx.QueryRowContext(ctx,
		`SELECT id, time, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&h.id, &t, &h.hash)
	if errors.Is(err, sql.ErrNoRows) {
		return chainHead{hash: zeroHash}, nil
	}
	if err != nil {
		return h, fmt.Errorf("audit: read chain head: %w", err)
	}
	if h.time, err = time.Parse(time.RFC3339Nano, t); err != nil {
		return h, fmt.Errorf("audit: entry %d: bad time %q", h.id, t)
	}
	return h, nil
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
