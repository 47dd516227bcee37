package audit

import (
	"context"
	"fmt"
	"slices"
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
	// Anchors is what each of the log's anchors held, in their order.
	Anchors []AnchorStatus
}

// AnchorStatus is what one anchor held when the chain was verified.
type AnchorStatus struct {
	Anchor string
	// Newest is its newest checkpoint that is not refused; zero when none.
	Newest Checkpoint
}

func (res *VerifyResult) problem(format string, args ...any) {
	res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
}

// mark is a checkpoint and the anchor that holds it.
type mark struct {
	Checkpoint
	anchor string
}

// Verify checks that the append-only triggers are in place, and the chain
// against itself and against the checkpoints of the log's anchors. It walks the chain in id order and reports the first
// entry that was edited, rehashed without the key, whose link to the entry
// before it is broken because entries were deleted or reordered, or that
// differs from a checkpoint of it. It then reports entries cut off the end
// or the whole log emptied (the newest checkpoint is past the newest
// entry), a chain recomputed without the key from its first keyed entry on
// (a checkpoint says keyed entries began elsewhere), and an anchor that
// holds no checkpoint though the log has keyed entries.
func (l *Log) Verify(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	tps, err := l.TriggerProblems(ctx)
	if err != nil {
		return VerifyResult{}, err
	}
	for _, tp := range tps {
		res.problem("%s", tp)
	}
	marks, empty := l.readAnchors(ctx, &res)
	last, firstKeyed, err := l.walkChain(ctx, &res, marks)
	if err != nil {
		return VerifyResult{}, err
	}

	if newest := newestMark(marks); newest.EntryID > last {
		switch {
		case last == 0:
			res.problem("the audit log is empty, but %s records %s up to entry %d%s: the log was emptied",
				newest.anchor, countEntries(newest.Count), newest.EntryID, madeAt(newest.Checkpoint))
		default:
			res.problem("%s missing: %s records entry %d%s, but the log ends at entry %d: its newest entries were cut",
				idSpan(last+1, newest.EntryID), newest.anchor, newest.EntryID, madeAt(newest.Checkpoint), last)
		}
	}
	for _, m := range marks {
		if m.MAC == "" || m.KeyedFrom == 0 || m.KeyedFrom == firstKeyed || m.KeyedFrom > last {
			continue // a log that ends before is reported as cut
		}
		now := "the log has no keyed entry"
		if firstKeyed > 0 {
			now = fmt.Sprintf("the log's begin at entry %d", firstKeyed)
		}
		res.problem("%s records keyed entries from entry %d, but %s: the chain was recomputed without the audit key", m.anchor, m.KeyedFrom, now)
		break
	}
	if firstKeyed > 0 {
		for _, a := range empty {
			res.problem("%s holds no checkpoint, yet the log has keyed entries since entry %d: it was removed or emptied", a, firstKeyed)
		}
	}
	res.OK = len(res.Problems) == 0
	return res, nil
}

// readAnchors returns the checkpoints of every anchor ordered by entry id,
// and the anchors that hold none. It records in res what each holds, and as
// problems an anchor that cannot be read and a checkpoint not signed with
// the key (left out).
func (l *Log) readAnchors(ctx context.Context, res *VerifyResult) (marks []mark, empty []string) {
	for _, a := range l.anchors {
		st := AnchorStatus{Anchor: a.String()}
		cps, err := a.Checkpoints(ctx)
		switch {
		case err != nil:
			res.problem("%s cannot be read: %v", a, err)
		case len(cps) == 0:
			empty = append(empty, st.Anchor)
		}
		for _, c := range cps {
			if c.MAC != "" && !c.signedBy(l.key) {
				res.problem("%s: the checkpoint of entry %d is not signed with the audit key (edited or forged)", a, c.EntryID)
				continue
			}
			marks = append(marks, mark{c, st.Anchor})
			if c.EntryID >= st.Newest.EntryID {
				st.Newest = c
			}
		}
		res.Anchors = append(res.Anchors, st)
	}
	slices.SortStableFunc(marks, func(a, b mark) int { return byEntryID(a.Checkpoint, b.Checkpoint) })
	return marks, empty
}

// walkChain walks the chain in id order, checking each entry against the
// one before and against marks, and records in res the entries found good
// and the first problem. It returns the newest entry's id and the first
// entry marked as keyed, good or not.
func (l *Log) walkChain(ctx context.Context, res *VerifyResult, marks []mark) (last, firstKeyed int64, err error) {
	w := walk{h: newHasher(l.key), prevHash: zeroHash}
	broken := false
	err = l.store.Walk(ctx, func(r *Row) {
		last = r.ID
		if firstKeyed == 0 && r.HashVersion == HashHMAC {
			firstKeyed = r.ID
		}
		if broken {
			return // only the newest id and the first keyed entry are still wanted
		}
		reason := w.next(r)
		for ; reason == "" && len(marks) > 0 && marks[0].EntryID <= r.ID; marks = marks[1:] {
			if m := marks[0]; m.Hash != r.Hash {
				reason = fmt.Sprintf("differs from %s, which records its hash as %s…, not %s…: rewritten after the checkpoint%s",
					m.anchor, short(m.Hash), short(r.Hash), madeAt(m.Checkpoint))
			}
		}
		if reason != "" {
			res.FirstBadID = r.ID
			res.problem("entry %d: %s", r.ID, reason)
			broken = true
			return
		}
		res.Checked++
	})
	if err != nil {
		return 0, 0, fmt.Errorf("audit: verify: %w", err)
	}
	res.KeyedFrom = w.keyedFrom
	return last, firstKeyed, nil
}

func newestMark(marks []mark) mark {
	if len(marks) == 0 {
		return mark{}
	}
	return marks[len(marks)-1]
}

// madeAt says when c was made, when that is known.
func madeAt(c Checkpoint) string {
	if c.Time.IsZero() {
		return ""
	}
	return " (checkpoint of " + c.Time.Format("2006-01-02 15:04:05 UTC") + ")"
}

// idSpan names the entries from first to last as the subject of a
// sentence: "entry 5 is", "entries 5 to 7 are".
func idSpan(first, last int64) string {
	if first == last {
		return fmt.Sprintf("entry %d is", first)
	}
	return fmt.Sprintf("entries %d to %d are", first, last)
}

func countEntries(n int64) string {
	if n == 1 {
		return "1 entry"
	}
	return fmt.Sprintf("%d entries", n)
}

// short is the start of a hash, enough to tell two apart.
func short(hash string) string { return hash[:min(len(hash), 12)] }

// walk follows the chain one entry at a time.
type walk struct {
	h         *hasher
	prevID    int64
	prevHash  string
	keyedFrom int64
}

// next checks that r follows the entries walked so far and returns why not,
// or "" after taking r as the newest good entry.
func (w *walk) next(r *Row) string {
	if reason := linkProblem(w.prevID, w.prevHash, r); reason != "" {
		return reason
	}
	if r.HashVersion == HashSHA256 && w.keyedFrom > 0 {
		return fmt.Sprintf("hashed without the audit key after keyed entries began at entry %d: rewritten without the key", w.keyedFrom)
	}
	switch got := w.h.hash(r); {
	case got == "":
		return fmt.Sprintf("unknown hash version %d (edited)", r.HashVersion)
	case got == r.Hash:
	case r.HashVersion == HashSHA256:
		return "content does not match its hash (edited)"
	case w.h.plain(r) == r.Hash:
		return "its hash is a plain SHA-256 of its content, not an HMAC with the audit key: the chain was recomputed without the key"
	case w.keyedFrom == 0:
		return "content does not match its HMAC (edited, rehashed without the audit key, or " + KeyFileName + " is not the key the log was written with)"
	default:
		return "content does not match its HMAC (edited, or rehashed without the audit key)"
	}
	if r.HashVersion == HashHMAC && w.keyedFrom == 0 {
		w.keyedFrom = r.ID
	}
	w.prevID, w.prevHash = r.ID, r.Hash
	return ""
}

// linkProblem says why r does not follow the entry prevID with hash prevHash
// (prevID 0: r should be the first entry), or returns "".
func linkProblem(prevID int64, prevHash string, r *Row) string {
	switch {
	case r.ID > prevID+1:
		return fmt.Sprintf("previous-hash link broken (%s missing: deleted)", idSpan(prevID+1, r.ID-1))
	case r.PrevHash != prevHash:
		return "previous-hash link broken (an entry before it was deleted or reordered)"
	}
	return ""
}
