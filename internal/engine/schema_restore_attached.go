package engine

// Table restore planning, continued: what hangs off the restored objects
// (indexes, constraints, defaults, triggers, comments, grants), refusals,
// conflicts, and the finished plan.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stratabackup/strata/internal/collection"
)

// addAttached includes the indexes, constraints, defaults, triggers,
// comments, grants... of included objects, checking what they need.
// It repeats until nothing changes, because an included trigger can pull
// in a function whose comment comes earlier in the archive.
func (p *tablePlanner) addAttached() {
	decided := map[int]bool{}
	for changed := true; changed; {
		changed = false
		for i := range p.entries {
			e := &p.entries[i]
			if decided[e.ID] || !slices.Contains(attachedKinds, e.Desc) {
				continue
			}
			belongs, final := p.belongs(e)
			if !belongs {
				decided[e.ID] = final
				continue
			}
			decided[e.ID] = true
			if p.attachedNeedsMet(e) {
				p.included[e.ID] = true
				changed = true
			}
		}
	}
}

// owner returns the relation an attached entry belongs to, or nil (a
// comment on a schema, say). pg_dump tags constraints, triggers, policies
// and defaults "table name"; other entries have a single relation.
func (p *tablePlanner) owner(e *tocEntry) *tocEntry {
	var best, first *tocEntry
	for _, d := range e.Deps {
		de := p.byID[d]
		if de == nil || !slices.Contains(relationKinds, de.Desc) {
			continue
		}
		if de.Namespace == e.Namespace && strings.HasPrefix(e.Tag, de.Tag+" ") && (best == nil || len(de.Tag) > len(best.Tag)) {
			best = de
		}
		if first == nil || p.included[d] && !p.included[first.ID] {
			first = de
		}
	}
	if best != nil {
		return best
	}
	return first
}

// belongs reports whether an attached entry belongs to an included object;
// final is false when that can still change (a function pulled in later).
func (p *tablePlanner) belongs(e *tocEntry) (belongs, final bool) {
	if e.Desc == "SEQUENCE OWNED BY" {
		// Only right together with the table that owns the sequence; a
		// named sequence whose table stays behind, and a placeholder, are
		// owned by nothing.
		seq := p.owner(e)
		if seq == nil || !p.included[seq.ID] || slices.Contains(p.plan.Placeholders, qname{seq.Namespace, seq.Tag}) {
			return false, true
		}
		return slices.ContainsFunc(seq.Deps, func(d int) bool { return p.included[d] && p.kindIs(d, []string{"TABLE"}) }), true
	}
	if o := p.owner(e); o != nil {
		return p.included[o.ID], true
	}
	for _, d := range e.Deps {
		if p.included[d] && !p.kindIs(d, []string{"ACL"}) {
			return true, true
		}
	}
	return false, false
}

// attachedNeedsMet checks the other dependencies of an attached entry that
// belongs to an included object; false leaves it out (recording why).
func (p *tablePlanner) attachedNeedsMet(e *tocEntry) bool {
	for _, d := range e.Deps {
		de := p.byID[d]
		if de == nil || p.included[d] || de.Desc == "ACL" {
			continue
		}
		ok := true
		switch {
		case slices.Contains(relationKinds, de.Desc):
			ok = p.available(d)
		case slices.Contains(attachedKinds, de.Desc):
			ok = p.ownersAvailable(de)
		default:
			p.pull(d, e)
		}
		if ok {
			continue
		}
		owner := p.owner(e)
		item := strings.TrimPrefix(e.Tag, owner.Tag+" ")
		switch {
		case e.Desc == "FK CONSTRAINT":
			fk := fmt.Sprintf("%s: %s (references %s)", p.name(owner), item, p.missingName(de))
			if p.opt.SkipMissingForeignKeys {
				p.plan.SkippedForeignKeys = append(p.plan.SkippedForeignKeys, fk)
			} else {
				p.missingFKs = append(p.missingFKs, fk)
			}
		case e.Desc == "DEFAULT" && de.Desc == "SEQUENCE":
			def := fmt.Sprintf("%s.%s (nextval of %s)", p.name(owner), item, p.missingName(de))
			if p.opt.SkipMissingSequences {
				p.plan.SkippedDefaults = append(p.plan.SkippedDefaults, def)
			} else {
				p.missingSeqs = append(p.missingSeqs, "default of column "+def)
			}
		default:
			p.hard = append(p.hard, fmt.Sprintf("%s %s of %s needs %s, which is not restored and not in database %s: restore it too",
				strings.ToLower(e.Desc), item, p.name(owner), p.missingName(de), p.opt.Database))
		}
		return false
	}
	return true
}

// missingName names the relation behind a missing dependency.
func (p *tablePlanner) missingName(de *tocEntry) string {
	if slices.Contains(attachedKinds, de.Desc) {
		for _, d := range de.Deps {
			if p.kindIs(d, relationKinds) && !p.available(d) {
				return p.name(p.byID[d])
			}
		}
	}
	return p.name(de)
}

// refusal turns the missing dependencies into one error for the user.
func (p *tablePlanner) refusal() error {
	var parts []string
	if len(p.missingFKs) > 0 {
		parts = append(parts, fmt.Sprintf("foreign keys to tables that are neither restored nor in database %s: %s (restore those tables too, or set skip_missing_foreign_keys to restore without these constraints)",
			p.opt.Database, strings.Join(p.missingFKs, "; ")))
	}
	if len(p.missingSeqs) > 0 {
		parts = append(parts, fmt.Sprintf("sequences that are neither restored nor in database %s: %s (restore those sequences too, or set skip_missing_sequences to drop these defaults)",
			p.opt.Database, strings.Join(p.missingSeqs, "; ")))
	}
	if len(p.missingViews) > 0 {
		parts = append(parts, fmt.Sprintf("views that read objects neither restored nor in database %s: %s (restore those too, or set skip_missing_views to leave these views out)",
			p.opt.Database, strings.Join(p.missingViews, "; ")))
	}
	parts = append(parts, p.hard...)
	if len(parts) == 0 {
		return nil
	}
	return userErrorf(nil, "cannot restore: %s", strings.Join(parts, "; "))
}

// checkConflicts refuses to restore over anything that exists: every
// relation, index and constraint index the restore would create. An index
// of a table that exists already is not named again.
func (p *tablePlanner) checkConflicts() error {
	var clash []string
	clashed := map[int]bool{}
	for i := range p.entries {
		e := &p.entries[i]
		if !p.included[e.ID] {
			continue
		}
		n := qname{e.Namespace, e.Tag}
		kind := strings.ToLower(e.Desc)
		switch e.Desc {
		case "TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE":
			if !p.target.hasRelation(n) && !p.target.hasType(n) {
				continue
			}
		case "INDEX", "CONSTRAINT": // primary keys, unique and exclusion constraints create an index
			o := p.owner(e)
			if o != nil && clashed[o.ID] {
				continue
			}
			if e.Desc == "CONSTRAINT" && o != nil {
				n.Name = strings.TrimPrefix(e.Tag, o.Tag+" ")
			}
			if !p.target.hasRelation(n) {
				continue
			}
			kind = "index"
		default:
			continue
		}
		clashed[e.ID] = true
		clash = append(clash, kind+" "+n.String())
	}
	switch len(clash) {
	case 0:
		return nil
	case 1:
		return userErrorf(nil, "%s already exists in database %s: drop it or restore into another database", clash[0], p.opt.Database)
	default:
		return userErrorf(nil, "%s already exist in database %s: drop them or restore into another database", strings.Join(clash, ", "), p.opt.Database)
	}
}

// finish lists what the plan restores, creates and loads.
func (p *tablePlanner) finish(m *collection.Manifest) {
	for _, e := range p.entries {
		if !p.included[e.ID] {
			continue
		}
		p.plan.IDs = append(p.plan.IDs, e.ID)
		n := qname{e.Namespace, e.Tag}
		switch e.Desc {
		case "TABLE", "FOREIGN TABLE":
			if !isPartitioned(&e) {
				p.plan.Tables = append(p.plan.Tables, n)
			}
		case "SEQUENCE":
			if !slices.Contains(p.plan.Placeholders, n) {
				p.plan.Sequences = append(p.plan.Sequences, n)
			}
		case "MATERIALIZED VIEW":
			p.plan.MatViews = append(p.plan.MatViews, n)
		}
		if slices.Contains(attachedKinds, e.Desc) || slices.Contains(databaseOnlyKinds, e.Desc) {
			continue
		}
		if e.Desc == "SCHEMA" || e.Desc == "EXTENSION" {
			n.Schema = ""
		}
		p.plan.Created = append(p.plan.Created, createdObject{Kind: e.Desc, Schema: n.Schema, Name: n.Name})
	}
	// Sequences are set from the manifest: keep only those it has.
	known := map[qname]bool{}
	for _, s := range m.Sequences {
		known[qname{s.Schema, s.Name}] = true
	}
	p.plan.Sequences = slices.DeleteFunc(p.plan.Sequences, func(q qname) bool { return !known[q] })
}
