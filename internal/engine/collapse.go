package engine

// collapse reduces a table's ordered changes to each row's final state, by
// the table's unique key (keyCols, column names): an upsert ('I', the whole
// final row) or a delete ('D', the key), in the order keys were first
// touched. Applying the result (delete every touched key, then insert the
// upserts) gives the same table as applying every change in order. An
// update that left TOASTed columns unchanged takes them from an earlier
// version of the row when the changes hold one; otherwise they stay
// unchanged markers, and the upsert's Old holds the key of the row the
// table had before these changes, which the restore reads them from.
// A truncate is a barrier: what came before is emitted, then the truncate.
// A change of the table's columns (DDL) is a barrier too.
func collapse(changes []*change, keyCols []string) []*change {
	var (
		out   []*change
		state = map[string]*change{}
		order []string
		rel   *relation
		keyAt []int
	)
	flush := func() {
		for _, k := range order {
			out = append(out, state[k])
		}
		clear(state)
		order = order[:0]
	}
	set := func(k string, c *change) {
		if _, ok := state[k]; !ok {
			order = append(order, k)
		}
		state[k] = c
	}
	for _, c := range changes {
		if !rel.same(c.Rel) {
			flush()
			rel, keyAt = c.Rel, columnIndexes(c.Rel, keyColumns(c.Rel, keyCols))
		}
		switch c.Op {
		case opTruncate:
			flush()
			out = append(out, c)
		case opInsert:
			set(tupleKey(c.New, keyAt), &change{Op: opInsert, LSN: c.LSN, Time: c.Time, Rel: c.Rel, New: c.New})
		case opUpdate:
			newKey := tupleKey(c.New, keyAt)
			oldKey := newKey
			if c.Old != nil {
				oldKey = tupleKey(c.Old, keyAt)
			}
			row, from := c.New, c.New
			if c.Old != nil {
				from = c.Old
			}
			fill := keyOnly(from, keyAt)
			if prev := state[oldKey]; prev != nil && prev.Op == opInsert {
				row = fillUnchanged(row, prev.New)
				if prev.Old != nil {
					fill = prev.Old // the row as the table had it before these changes
				}
			}
			if oldKey != newKey {
				set(oldKey, &change{Op: opDelete, LSN: c.LSN, Time: c.Time, Rel: c.Rel, Old: keyOnly(c.Old, keyAt)})
			}
			up := &change{Op: opInsert, LSN: c.LSN, Time: c.Time, Rel: c.Rel, New: row}
			if hasUnchanged(row) {
				up.Old = fill
			}
			set(newKey, up)
		case opDelete:
			set(tupleKey(c.Old, keyAt), &change{Op: opDelete, LSN: c.LSN, Time: c.Time, Rel: c.Rel, Old: keyOnly(c.Old, keyAt)})
		}
	}
	flush()
	return out
}

// keyColumns is the key that identifies the rows of rel's changes: the
// replica identity the change stream flags, as it was when the changes
// were made (a key that changed since, within the layer or later, must not
// be used to find rows whose changes carry the old one), or, when it flags
// every column (REPLICA IDENTITY FULL) or none, table, the table's key as
// the backup recorded it (empty for a table without one).
func keyColumns(rel *relation, table []string) []string {
	var key []string
	for i, k := range rel.Key {
		if k && i < len(rel.Columns) {
			key = append(key, rel.Columns[i])
		}
	}
	if len(key) == 0 || len(key) == len(rel.Columns) {
		return table
	}
	return key
}

// columnIndexes maps names to their positions in rel (-1 when missing).
func columnIndexes(rel *relation, names []string) []int {
	at := make([]int, len(names))
	for i, n := range names {
		at[i] = -1
		for j, c := range rel.Columns {
			if c == n {
				at[i] = j
			}
		}
	}
	return at
}

// tupleKey encodes the key columns of t as a map key.
func tupleKey(t []value, keyAt []int) string {
	var b []byte
	for _, i := range keyAt {
		if i < 0 || i >= len(t) {
			b = append(b, 0)
			continue
		}
		b = append(b, t[i].Kind)
		b = appendBytes(b, t[i].Data)
	}
	return string(b)
}

// keyOnly is t with every column but the key's set to NULL.
func keyOnly(t []value, keyAt []int) []value {
	out := make([]value, len(t))
	for i := range out {
		out[i] = value{Kind: valNull}
	}
	for _, i := range keyAt {
		if i >= 0 && i < len(t) {
			out[i] = t[i]
		}
	}
	return out
}

// fillUnchanged replaces the unchanged markers of row with prev's values.
func fillUnchanged(row, prev []value) []value {
	var out []value
	for i, v := range row {
		if v.Kind == valUnchanged && i < len(prev) && prev[i].Kind != valUnchanged {
			if out == nil {
				out = append([]value(nil), row...)
			}
			out[i] = prev[i]
		}
	}
	if out == nil {
		return row
	}
	return out
}

func hasUnchanged(row []value) bool {
	for _, v := range row {
		if v.Kind == valUnchanged {
			return true
		}
	}
	return false
}
