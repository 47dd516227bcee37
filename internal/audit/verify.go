package audit

import (
	"context"
	"fmt"
)

// VerifyResult is the outcome of checking the audit chain. Checked counts
// the entries found good. OK is true when there are no Problems; each
// problem is a sentence for people that names what is wrong. FirstBadID is
// the first entry that fails, 0 when the entries themselves are good.
type VerifyResult struct {
	OK         bool
	Checked    int64
	FirstBadID int64
	Problems   []string
	// KeyedFrom is the first entry hashed with the key (HashHMAC), 0 when
	// none is.
	KeyedFrom int64
}

func (res *VerifyResult) problem(format string, args ...any) {
	res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
}

// Verify walks the whole chain in id order and reports the first entry that
// was edited, rehashed without the key, or whose link to the entry before it
// is broken because entries were deleted or reordered.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+columns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()

	var res VerifyResult
	w := walk{h: newHasher(l.key), prevHash: zeroHash}
	var r row
	for rows.Next() {
		if err := scanRow(rows, &r); err != nil {
			return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
		}
		if reason := w.next(&r); reason != "" {
			res.FirstBadID = r.id
			res.problem("entry %d: %s", r.id, reason)
			break
		}
		res.Checked++
	}
	if err := rows.Err(); err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	res.KeyedFrom = w.keyedFrom
	res.OK = len(res.Problems) == 0
	return res, nil
}

// walk follows the chain one entry at a time.
type walk struct {
	h         *hasher
	prevID    int64
	prevHash  string
	keyedFrom int64
}

// next checks that r follows the entries walked so far and returns why not,
// or "" after taking r as the newest good entry.
func (w *walk) next(r *row) string {
	if reason := linkProblem(w.prevID, w.prevHash, r); reason != "" {
		return reason
	}
	if r.hashVersion == HashSHA256 && w.keyedFrom > 0 {
		return fmt.Sprintf("hashed without the audit key after keyed entries began at entry %d: rewritten without the key", w.keyedFrom)
	}
	switch got := w.h.hash(r); {
	case got == "":
		return fmt.Sprintf("unknown hash version %d (edited)", r.hashVersion)
	case got == r.hash:
	case r.hashVersion == HashSHA256:
		return "content does not match its hash (edited)"
	case w.h.plain(r) == r.hash:
		return "its hash is a plain SHA-256 of its content, not an HMAC with the audit key: the chain was recomputed without the key"
	case w.keyedFrom == 0:
		return "content does not match its HMAC (edited, rehashed without the audit key, or " + KeyFileName + " is not the key the log was written with)"
	default:
		return "content does not match its HMAC (edited, or rehashed without the audit key)"
	}
	if r.hashVersion == HashHMAC && w.keyedFrom == 0 {
		w.keyedFrom = r.id
	}
	w.prevID, w.prevHash = r.id, r.hash
	return ""
}

// linkProblem says why r does not follow the entry prevID with hash prevHash
// (prevID 0: r should be the first entry), or returns "".
func linkProblem(prevID int64, prevHash string, r *row) string {
	switch {
	case r.id == prevID+2:
		return fmt.Sprintf("previous-hash link broken (entry %d is missing: deleted)", prevID+1)
	case r.id > prevID+2:
		return fmt.Sprintf("previous-hash link broken (entries %d to %d are missing: deleted)", prevID+1, r.id-1)
	case r.prevHash != prevHash:
		return "previous-hash link broken (an entry before it was deleted or reordered)"
	}
	return ""
}
