package engine

// Choosing which schema objects a restore creates: the pg_restore -L list.
//
// Why the archive's own dependency graph and not a scratch database:
// pg_dump records, for every entry, the entries it depends on (taken from
// pg_depend when the backup ran), and readTOC reads them with exact names.
// That answers every question a table restore asks (which FK points where,
// which default calls which sequence, which view reads which table)
// without creating anything on the target, so a refused restore leaves no
// trace, and it needs no privileges beyond reading the target's catalog.
//
// A whole-database restore takes every entry of the archive except the
// backup's own publication. A table restore (into_db) starts from the named
// tables and follows the graph:
//
//   - a partitioned table brings its partitions; naming a partition alone is
//     refused (restore its parent);
//   - sequences owned by a restored table (serial, identity) come along;
//     named sequences, views and materialized views are restored too;
//   - views and materialized views that read a restored table are restored
//     when everything they read is restored or already in the target;
//     otherwise the restore is refused naming them, or with
//     skip_missing_views they are left out;
//   - objects a restored object needs (schemas, extensions, types, domains,
//     functions, collations, ...) are created when the target lacks one of
//     that name, and reused when it has one (without comparing definitions);
//   - indexes, constraints, triggers, rules, policies, column defaults,
//     comments and grants of restored objects come along. A foreign key to
//     a table that is neither restored nor in the target (by name) refuses
//     the restore, or with skip_missing_foreign_keys is left out; a foreign
//     key to a table the target has is kept (pg_restore checks the rows).
//     Likewise a column default that calls nextval() of a sequence neither
//     restored nor in the target: refused, or with skip_missing_sequences
//     the default is dropped (see missingRelation for how);
//   - comments and grants of objects that already exist in the target are
//     never applied, and nothing is attached to an existing table: existing
//     objects are not changed.
//
// Anything else that a restored object needs and that cannot be brought
// along (a table that inherits from a table left behind, a function whose
// body reads a table left behind) refuses the restore with a message that
// names both. Publications, subscriptions, event triggers and default
// privileges are only restored with a whole database.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stratabackup/strata/internal/collection"
)

// qname is a schema-qualified object name, unquoted.
type qname struct {
	Schema string `json:"schema"`
	Name   string `json:"name"`
}

func (q qname) String() string {
	if q.Schema == "" {
		return q.Name
	}
	return q.Schema + "." + q.Name
}

// createdObject is an object a table restore creates in pre-data, so that a
// cancel can drop it. Kind is the TOC kind; Name of a function is
// "name(argument types)".
type createdObject struct {
	Kind   string `json:"kind"`
	Schema string `json:"schema,omitempty"`
	Name   string `json:"name"`
}

// restorePlan is what a restore creates and loads.
type restorePlan struct {
	IDs          []int           `json:"ids"`                    // TOC entries to restore, in archive order
	Tables       []qname         `json:"tables"`                 // tables whose data is loaded
	Sequences    []qname         `json:"sequences"`              // sequences whose value is set
	MatViews     []qname         `json:"matviews,omitempty"`     // refreshed after post-data, in this order
	Placeholders []qname         `json:"placeholders,omitempty"` // sequences created only so CREATE TABLE works; see dropPlaceholders
	Created      []createdObject `json:"created,omitempty"`

	SkippedForeignKeys []string `json:"skipped_foreign_keys,omitempty"`
	SkippedViews       []string `json:"skipped_views,omitempty"`
	SkippedDefaults    []string `json:"skipped_defaults,omitempty"`
}

// TOC kinds by role in planning.
var (
	relationKinds = []string{"TABLE", "VIEW", "MATERIALIZED VIEW", "SEQUENCE", "FOREIGN TABLE"}
	viewKinds     = []string{"VIEW", "MATERIALIZED VIEW"}
	// Objects that belong to another object (its table, its type...) and
	// are restored with it.
	attachedKinds = []string{
		"COMMENT", "ACL", "SECURITY LABEL", "DEFAULT", "SEQUENCE OWNED BY", "TABLE ATTACH", "INDEX ATTACH",
		"CONSTRAINT", "CHECK CONSTRAINT", "FK CONSTRAINT", "INDEX", "TRIGGER", "RULE", "POLICY", "ROW SECURITY",
		"STATISTICS",
	}
	// Whole-database only: they are not part of any table.
	databaseOnlyKinds = []string{
		"DATABASE", "DATABASE PROPERTIES", "PUBLICATION", "PUBLICATION TABLE", "PUBLICATION TABLES IN SCHEMA",
		"SUBSCRIPTION", "SUBSCRIPTION TABLE", "EVENT TRIGGER", "DEFAULT ACL", "BLOB", "BLOBS", "BLOB METADATA",
		"LARGE OBJECT", "ENCODING", "STDSTRINGS", "SEARCHPATH",
	}
)

// planDatabase plans a whole-database restore: every entry but the
// backup's own publication (the one its replication slot reads), which
// belongs to the source.
func planDatabase(entries []tocEntry, m *collection.Manifest) (*restorePlan, error) {
	if m.Partial {
		return nil, userErrorf(nil, "backup %s holds only some tables of database %s: restore them into an existing database with into_db", m.Path, m.Database)
	}
	plan := &restorePlan{}
	skip := map[int]bool{}
	for _, e := range entries {
		if e.Desc == "PUBLICATION" && m.Publication != "" && e.Tag == m.Publication {
			skip[e.ID] = true
		}
	}
	for _, e := range entries {
		if skip[e.ID] || slices.ContainsFunc(e.Deps, func(d int) bool { return skip[d] }) {
			continue
		}
		plan.IDs = append(plan.IDs, e.ID)
		if e.Desc == "MATERIALIZED VIEW" {
			plan.MatViews = append(plan.MatViews, qname{e.Namespace, e.Tag})
		}
	}
	for _, t := range m.Tables {
		plan.Tables = append(plan.Tables, qname{t.Schema, t.Name})
	}
	for _, s := range m.Sequences {
		plan.Sequences = append(plan.Sequences, qname{s.Schema, s.Name})
	}
	return plan, nil
}

// tableRestoreOptions are the choices of a table restore.
type tableRestoreOptions struct {
	Names                  []string // "schema.name" exactly as stored
	Database               string   // the target, for messages
	SkipMissingForeignKeys bool
	SkipMissingSequences   bool
	SkipMissingViews       bool
}

// tablePlanner holds the state of planning one table restore.
type tablePlanner struct {
	entries []tocEntry
	byID    map[int]*tocEntry
	target  *targetCatalog
	opt     tableRestoreOptions

	included map[int]bool // entries to restore
	exists   map[int]bool // entries whose object the target already has

	missingFKs, missingViews, missingSeqs []string // refusals, unless skipped
	hard                                  []string // refusals no option skips
	plan                                  restorePlan
}

// planTables plans a restore of the named tables (and sequences, views)
// into an existing database whose objects target describes.
func planTables(entries []tocEntry, m *collection.Manifest, target *targetCatalog, opt tableRestoreOptions) (*restorePlan, error) {
	p := &tablePlanner{
		entries: entries, byID: make(map[int]*tocEntry, len(entries)), target: target, opt: opt,
		included: map[int]bool{}, exists: map[int]bool{},
	}
	for i := range entries {
		p.byID[entries[i].ID] = &entries[i]
	}
	if err := p.selectNamed(m); err != nil {
		return nil, err
	}
	p.addViews()
	p.checkRelations()
	p.addAttached()
	if err := p.refusal(); err != nil {
		return nil, err
	}
	if err := p.checkConflicts(); err != nil {
		return nil, err
	}
	p.finish(m)
	return &p.plan, nil
}

func (p *tablePlanner) kindIs(id int, kinds []string) bool {
	e := p.byID[id]
	return e != nil && slices.Contains(kinds, e.Desc)
}

func (p *tablePlanner) name(e *tocEntry) string { return qname{e.Namespace, e.Tag}.String() }

// selectNamed includes the named tables, sequences and views, the
// partitions of named partitioned tables, and owned sequences.
func (p *tablePlanner) selectNamed(m *collection.Manifest) error {
	inManifest := map[string]bool{}
	var extension []string
	for _, t := range m.Tables {
		inManifest[t.QualifiedName()] = true
		if t.ExtensionConfig && slices.Contains(p.opt.Names, t.QualifiedName()) {
			extension = append(extension, t.QualifiedName())
		}
	}
	if len(extension) > 0 {
		return userErrorf(nil, "%s belongs to an extension, which creates it: its rows are restored with the whole database", strings.Join(extension, ", "))
	}
	byName := map[string]*tocEntry{}
	for i := range p.entries {
		e := &p.entries[i]
		if slices.Contains(relationKinds, e.Desc) {
			byName[p.name(e)] = e
		}
	}
	var unknown, noData []string
	for _, n := range p.opt.Names {
		e := byName[n]
		switch {
		case e == nil:
			unknown = append(unknown, describeUnknown(n, byName))
		case (e.Desc == "TABLE" || e.Desc == "FOREIGN TABLE") && !inManifest[n] && !isPartitioned(e):
			noData = append(noData, n)
		default:
			p.included[e.ID] = true
		}
	}
	if len(unknown) > 0 {
		return userErrorf(nil, "not in backup %s of database %s: %s (names are schema.table, exactly as stored, case-sensitive)",
			m.Path, m.Database, strings.Join(unknown, ", "))
	}
	if len(noData) > 0 {
		return userErrorf(nil, "backup %s holds no data for %s: it was taken of other tables", m.Path, strings.Join(noData, ", "))
	}

	// A partitioned table brings its partitions, and theirs (sub-
	// partitioned tables). A partition needs its parent.
	for changed := true; changed; {
		changed = false
		for _, e := range p.entries {
			if e.Desc != "TABLE ATTACH" {
				continue
			}
			child, parent := p.attachParts(&e)
			if child != nil && parent != nil && p.included[parent.ID] && !p.included[child.ID] {
				p.included[child.ID] = true
				changed = true
			}
		}
	}
	for _, e := range p.entries {
		if e.Desc != "TABLE ATTACH" {
			continue
		}
		if child, parent := p.attachParts(&e); child != nil && parent != nil && p.included[child.ID] && !p.included[parent.ID] {
			return userErrorf(nil, "%s is a partition of %s: restore %s, which brings all its partitions", p.name(child), p.name(parent), p.name(parent))
		}
	}
	for _, e := range p.entries {
		if (e.Desc == "TABLE" || e.Desc == "FOREIGN TABLE") && p.included[e.ID] && !inManifest[p.name(&e)] && !isPartitioned(&e) {
			return userErrorf(nil, "backup %s holds no data for %s", m.Path, p.name(&e))
		}
	}
	// Sequences owned by a restored table depend on it (SEQUENCE OWNED BY
	// and identity columns alike).
	for _, e := range p.entries {
		if e.Desc == "SEQUENCE" && slices.ContainsFunc(e.Deps, func(d int) bool { return p.included[d] && p.kindIs(d, []string{"TABLE"}) }) {
			p.included[e.ID] = true
		}
	}
	return nil
}

// isPartitioned reports whether a TABLE entry is a partitioned table (it
// holds no rows itself, so the backup has no data for it).
func isPartitioned(e *tocEntry) bool {
	return e.Desc == "TABLE" && strings.Contains(e.Defn, "\n)\nPARTITION BY ")
}

// attachParts returns the partition and the partitioned table of a TABLE
// ATTACH entry: the partition is the dependency named like the entry.
func (p *tablePlanner) attachParts(e *tocEntry) (child, parent *tocEntry) {
	for _, d := range e.Deps {
		de := p.byID[d]
		if de == nil || de.Desc != "TABLE" {
			continue
		}
		if de.Namespace == e.Namespace && de.Tag == e.Tag && child == nil {
			child = de
		} else {
			parent = de
		}
	}
	return child, parent
}

// describeUnknown names a table not found, with the names it matches but
// for case.
func describeUnknown(n string, byName map[string]*tocEntry) string {
	var like []string
	for known := range byName {
		if strings.EqualFold(known, n) {
			like = append(like, known)
		}
	}
	if len(like) == 0 {
		return n
	}
	slices.Sort(like)
	return fmt.Sprintf("%s (did you mean %s?)", n, strings.Join(like, " or "))
}

// addViews adds the views that read a restored relation (and views on
// those), for checkRelations to keep or refuse.
func (p *tablePlanner) addViews() {
	for changed := true; changed; {
		changed = false
		for _, e := range p.entries {
			if slices.Contains(viewKinds, e.Desc) && !p.included[e.ID] &&
				slices.ContainsFunc(e.Deps, func(d int) bool { return p.included[d] && p.kindIs(d, relationKinds) }) {
				p.included[e.ID] = true
				changed = true
			}
		}
	}
}

// checkRelations checks what each restored relation needs, in archive
// order (which puts what an object needs before it).
func (p *tablePlanner) checkRelations() {
	for i := range p.entries {
		e := &p.entries[i]
		if !p.included[e.ID] || !slices.Contains(relationKinds, e.Desc) {
			continue
		}
		for _, d := range e.Deps {
			de := p.byID[d]
			if de == nil || p.included[d] {
				continue
			}
			switch {
			case slices.Contains(relationKinds, de.Desc) && e.Desc == "SEQUENCE" && de.Desc == "TABLE":
				// A sequence named without the table that owns it: a serial
				// sequence is restored without its OWNED BY; an identity
				// sequence is part of its table's definition.
				if !strings.HasPrefix(e.Defn, "CREATE SEQUENCE ") {
					p.hard = append(p.hard, fmt.Sprintf("sequence %s is the identity sequence of table %s: restore the table", p.name(e), p.name(de)))
				}
			case slices.Contains(relationKinds, de.Desc):
				if !p.available(d) {
					p.missingRelation(e, de)
				}
			case slices.Contains(attachedKinds, de.Desc):
				if !p.ownersAvailable(de) {
					p.missingRelation(e, de)
				}
			default:
				p.pull(d, e)
			}
			if !p.included[e.ID] {
				break // e was dropped (a skipped view)
			}
		}
	}
}

// available reports whether a relation is restored or already in the target.
func (p *tablePlanner) available(id int) bool {
	if p.included[id] {
		return true
	}
	if e := p.byID[id]; e != nil && p.target.has(e) {
		p.exists[id] = true
		return true
	}
	return false
}

// ownersAvailable reports whether the relations an attached entry (such as
// a primary key a foreign key refers to) belongs to are all available.
func (p *tablePlanner) ownersAvailable(e *tocEntry) bool {
	for _, d := range e.Deps {
		if p.kindIs(d, relationKinds) && !p.available(d) {
			return false
		}
	}
	return true
}

// missingRelation handles relation e needing relation (or constraint) dep,
// which is neither restored nor in the target.
func (p *tablePlanner) missingRelation(e, dep *tocEntry) {
	depName := p.name(dep)
	if slices.Contains(attachedKinds, dep.Desc) {
		depName = dep.Desc + " " + p.name(dep)
		for _, d := range dep.Deps {
			if p.kindIs(d, relationKinds) && !p.available(d) {
				depName = p.name(p.byID[d])
			}
		}
	}
	switch {
	case slices.Contains(viewKinds, e.Desc):
		if p.opt.SkipMissingViews {
			delete(p.included, e.ID)
			p.plan.SkippedViews = append(p.plan.SkippedViews, p.name(e))
			return
		}
		p.missingViews = append(p.missingViews, fmt.Sprintf("%s %s reads %s", strings.ToLower(e.Desc), p.name(e), depName))
	case e.Desc == "TABLE" && dep.Desc == "SEQUENCE":
		// pg_dump writes a default calling nextval() of a sequence the
		// table does not own into CREATE TABLE itself, so the sequence
		// must exist while the table is created: it is created as a
		// placeholder, then the defaults using it and it are dropped.
		if !p.opt.SkipMissingSequences {
			p.missingSeqs = append(p.missingSeqs, fmt.Sprintf("table %s uses sequence %s in a column default", p.name(e), depName))
			return
		}
		if !strings.HasPrefix(dep.Defn, "CREATE SEQUENCE ") {
			p.hard = append(p.hard, fmt.Sprintf("table %s uses sequence %s (an identity sequence of another table) in a column default: restore that table too", p.name(e), depName))
			return
		}
		if !slices.Contains(p.plan.Placeholders, qname{dep.Namespace, dep.Tag}) {
			p.included[dep.ID] = true
			p.plan.Placeholders = append(p.plan.Placeholders, qname{dep.Namespace, dep.Tag})
			for _, dd := range dep.Deps {
				if !p.kindIs(dd, relationKinds) && !p.kindIs(dd, attachedKinds) {
					p.pull(dd, dep)
				}
			}
		}
	default:
		p.hard = append(p.hard, fmt.Sprintf("%s %s needs %s, which is not restored and not in database %s: restore it too",
			strings.ToLower(e.Desc), p.name(e), depName, p.opt.Database))
	}
}

// pull includes an object that a restored object needs, unless the target
// has one of the same name, and what it needs in turn.
func (p *tablePlanner) pull(id int, by *tocEntry) {
	e := p.byID[id]
	if e == nil || p.included[id] || p.exists[id] {
		return
	}
	if slices.Contains(databaseOnlyKinds, e.Desc) || slices.Contains(attachedKinds, e.Desc) {
		return
	}
	if slices.Contains(relationKinds, e.Desc) {
		if !p.available(id) {
			p.hard = append(p.hard, fmt.Sprintf("%s %s needs %s %s, which is not restored and not in database %s: restore it too",
				strings.ToLower(by.Desc), p.name(by), strings.ToLower(e.Desc), p.name(e), p.opt.Database))
		}
		return
	}
	if p.target.has(e) {
		p.exists[id] = true
		return
	}
	p.included[id] = true
	for _, d := range e.Deps {
		p.pull(d, e)
	}
}
