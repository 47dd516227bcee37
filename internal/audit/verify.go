package audit

import (
	"context"
	"fmt"
)

// VerifyResult is the outcome of checking the hash chain. Checked counts the
// entries found good. When OK is false, FirstBadID is the first entry that
// fails and Reason says why, for people.
type VerifyResult struct {
	OK         bool
	Checked    int64
	FirstBadID int64
	Reason     string
}

// Verify walks the whole chain in id order and reports the first entry that
// was edited, or whose link to the entry before it is broken because entries
// were deleted or reordered. Entries cut off the end of the log leave no trace
// in the chain and are not detected.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT `+columns+` FROM audit_log ORDER BY id`)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	defer rows.Close()

	var (
		res      VerifyResult
		r        row
		prevID   int64
		prevHash = zeroHash
		buf      []byte
		hash     string
	)
	for rows.Next() {
		if err := scanRow(rows, &r); err != nil {
			return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
		}
		if reason := linkProblem(prevID, prevHash, &r); reason != "" {
			return bad(res, r.id, reason), nil
		}
		hash, buf = computeHash(&r, buf)
		if hash != r.hash {
			return bad(res, r.id, "content does not match its hash (edited)"), nil
		}
		res.Checked++
		prevID, prevHash = r.id, r.hash
	}
	if err := rows.Err(); err != nil {
		return VerifyResult{}, fmt.Errorf("audit: verify: %w", err)
	}
	res.OK = true
	return res, nil
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

func bad(res VerifyResult, id int64, reason string) VerifyResult {
	res.FirstBadID = id
	res.Reason = fmt.Sprintf("entry %d: %s", id, reason)
	return res
}
