package templates

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// RestoreWizard is the state of the restore wizard; every step carries the
// earlier choices forward in hidden fields, so it works as plain forms.
type RestoreWizard struct {
	Step        string // source, scope, target, options or review
	Collections []string
	Clusters    []string
	Databases   []string             // the collection holds full backups of these
	Chains      []Chain              // of the chosen database, for the source step
	Manifest    *collection.Manifest // the last layer the restore reads, from the scope step on

	Collection, Database       string
	Point                      string    // latest, layer or time
	Backup                     string    // the chosen layer's path, for Point "layer"
	AsOf                       string    // the moment as typed (UTC), for Point "time"
	AsOfTime                   time.Time // AsOf, resolved, from the scope step on
	Scope                      string
	Tables                     []string
	Cluster, NewDBName, IntoDB string
	SkipFK, SkipSeq, SkipViews bool
	Error                      string
	// Uncovered are the tables the chosen moment cannot restore (see
	// engine.RestorePoint); Warnings what the restore will not restore as
	// of it, or at all: both from the scope step on.
	Uncovered []string
	Warnings  []string
}

var wizardSteps = []struct{ key, label string }{
	{"source", "Source"}, {"scope", "Scope"}, {"target", "Target"}, {"options", "Options"}, {"review", "Review"},
}

// wizardStep is a step in the wizard's list of steps.
type wizardStep struct {
	Label         string
	Done, Current bool
}

// TargetName is the database the restore writes into: an existing one for
// chosen tables, else the new one.
func (w RestoreWizard) TargetName() string {
	if w.Scope == "tables" {
		return w.IntoDB
	}
	return w.NewDBName
}

func (w RestoreWizard) stepIndex() int {
	for i, s := range wizardSteps {
		if s.key == w.Step {
			return i
		}
	}
	return 0
}

// steps are the wizard's steps, those before the current one done.
func (w RestoreWizard) steps() []wizardStep {
	at := w.stepIndex()
	out := make([]wizardStep, len(wizardSteps))
	for i, s := range wizardSteps {
		out[i] = wizardStep{Label: s.label, Done: i < at, Current: i == at}
	}
	return out
}

// backURL is the previous step with the choices made so far; the
// collections list from the first step.
func (w RestoreWizard) backURL() string {
	i := w.stepIndex()
	if i == 0 {
		return "/collections"
	}
	q := w.values()
	q.Set("step", wizardSteps[i-1].key)
	return "/restore?" + q.Encode()
}

// values are the choices made so far, as the wizard's query string.
func (w RestoreWizard) values() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("collection", w.Collection)
	set("database", w.Database)
	set("point", w.Point)
	switch w.Point {
	case "layer":
		set("backup", w.Backup)
	case "time":
		set("as_of_system_time", w.AsOf)
	}
	set("scope", w.Scope)
	if len(w.Tables) > 0 {
		q["tables"] = w.Tables
	}
	set("cluster", w.Cluster)
	set("new_db_name", w.NewDBName)
	set("into_db", w.IntoDB)
	for k, on := range map[string]bool{"skip_missing_foreign_keys": w.SkipFK, "skip_missing_sequences": w.SkipSeq, "skip_missing_views": w.SkipViews} {
		if on {
			q.Set(k, "true")
		}
	}
	return q
}

// field is one hidden form field.
type field struct{ Name, Value string }

// hiddenFields carry every choice made so far except those named in
// except (which the step itself asks for), by name.
func (w RestoreWizard) hiddenFields(except ...string) []field {
	q := w.values()
	var out []field
	for _, k := range slices.Sorted(maps.Keys(q)) {
		if slices.Contains(except, k) {
			continue
		}
		for _, v := range q[k] {
			out = append(out, field{k, v})
		}
	}
	return out
}

// tableChosen tells whether the restore of chosen tables names table
// ("schema.name").
func (w RestoreWizard) tableChosen(table string) bool { return slices.Contains(w.Tables, table) }

// choosableTables are the tables a restore of chosen tables can name: not
// an extension's configuration tables, which come with the extension.
func (w RestoreWizard) choosableTables() []collection.Table {
	var out []collection.Table
	for _, t := range w.Manifest.Tables {
		if !t.ExtensionConfig {
			out = append(out, t)
		}
	}
	return out
}

// tableRows sums the rows and COPY bytes of the tables the restore loads
// from the manifest.
func (w RestoreWizard) tableRows() (rows, bytes int64) {
	if w.Manifest == nil {
		return 0, 0
	}
	for _, t := range w.Manifest.Tables {
		if w.Scope != "tables" || w.tableChosen(t.QualifiedName()) {
			rows += t.Rows
			bytes += t.RawBytes
		}
	}
	return rows, bytes
}

// restorableChains are the chains the source step offers.
func (w RestoreWizard) restorableChains() []Chain { return restorable(w.Chains) }

// latestChain is the chain a restore of LATEST reads: the one whose full
// backup is the newest.
func (w RestoreWizard) latestChain() (latest Chain, ok bool) {
	for _, ch := range w.Chains {
		if !ch.MissingFull() && (!ok || ch.Full().EndTime.After(latest.Full().EndTime)) {
			latest, ok = ch, true
		}
	}
	return latest, ok
}

// chainUpTo is the restored chain's layers, from its full backup to the
// last one the restore reads.
func (w RestoreWizard) chainUpTo() []collection.Summary {
	for _, ch := range w.Chains {
		if ch.Full().Path != w.Manifest.Chain {
			continue
		}
		for i, l := range ch.Layers {
			if l.Path == w.Manifest.Path {
				return ch.Layers[:i+1]
			}
		}
	}
	return nil
}

// source says what the restore reads, in words.
func (w RestoreWizard) source() string {
	m := w.Manifest
	if m.Kind == collection.KindFull {
		return "the full backup " + m.Path + " of database " + m.Database + " (data as of " + UTC(m.EndTime) + ")"
	}
	n := "its"
	if k := len(w.chainUpTo()) - 1; k > 0 {
		n = itoa(int64(k))
	}
	if w.Point == "time" {
		return "the full backup " + m.Chain + " of database " + m.Database + " and the changes of " + n + " incremental layer(s) committed up to then"
	}
	return "the full backup " + m.Chain + " of database " + m.Database + " and " + n + " incremental layer(s) up to " + m.Path + " (data as of " + UTC(m.EndTime) + ")"
}

// sizeText estimates what the restore loads.
func (w RestoreWizard) sizeText() string {
	if w.Manifest.Kind == collection.KindFull {
		rows, size := w.tableRows()
		return "About " + Count(rows) + " rows, " + Bytes(size) + " of table data."
	}
	if chain := w.chainUpTo(); len(chain) > 0 {
		var changes int64
		for _, l := range chain[1:] {
			changes += l.Rows
		}
		return "The full backup holds about " + Count(chain[0].Rows) + " rows (" + Bytes(chain[0].RawBytes) + " of table data) of the whole chain; " +
			Count(changes) + " changed rows of the incremental layers are applied on top."
	}
	return ""
}

// planText is the review step's plan: what the restore will do, a line
// each.
func (w RestoreWizard) planText() []string {
	from := "from " + w.source()
	if w.Point == "time" {
		from = "as it was at " + utcPrecise(w.AsOfTime) + ", " + from
	}
	var plan []string
	if w.Scope == "tables" {
		plan = append(plan,
			"Restore "+itoa(int64(len(w.Tables)))+" table(s) — "+commaList(w.Tables)+" — "+from+".",
			"Into the existing database "+w.IntoDB+" on cluster "+w.Cluster+". If any of these tables already exists there, the restore stops before changing anything.")
		var skips []string
		if w.SkipFK {
			skips = append(skips, "foreign keys to tables that are not restored are dropped")
		}
		if w.SkipSeq {
			skips = append(skips, "column defaults that use sequences that are not restored are dropped")
		}
		if w.SkipViews {
			skips = append(skips, "views that depend on tables that are not restored are skipped")
		}
		if len(skips) > 0 {
			plan = append(plan, "Missing dependencies: "+strings.Join(skips, "; ")+".")
		} else {
			plan = append(plan, "If a table depends on something left behind (a foreign key, a sequence, a view), the restore stops and names it.")
		}
	} else {
		plan = append(plan,
			"Restore the whole database "+from+".",
			"As the new database "+w.NewDBName+" on cluster "+w.Cluster+". If it already exists, the restore stops before changing anything.")
	}
	plan = append(plan,
		w.sizeText()+" Schema first, then data in parallel, then indexes and constraints, then sequence values.",
		"Roles the schema names that do not exist on the target are created without login.")
	return plan
}

// layerOption names a layer in the list of layers to restore.
func layerOption(l collection.Summary) string {
	s := string(l.Kind) + " · " + covers(l) + " UTC"
	if l.Kind == collection.KindIncremental {
		if l.RevisionHistory {
			s += " · revision history"
		}
		return s + " · " + Count(l.Rows) + " changed rows"
	}
	return s + " · " + Count(l.Rows) + " rows · " + Bytes(l.StoredBytes)
}

// regexpQuote makes s a pattern attribute that matches exactly s.
func regexpQuote(s string) string { return regexp.QuoteMeta(s) }

// pickerLayout is a datetime-local input's value, to the millisecond.
const pickerLayout = "2006-01-02T15:04:05.000"

// pickerValue is t for the date-time picker: UTC, cut to the millisecond
// (the server takes a layer's end within that millisecond to mean it).
func pickerValue(t time.Time) string { return t.UTC().Truncate(time.Millisecond).Format(pickerLayout) }

// pickerBounds are the earliest and latest restorable moments of chains.
func pickerBounds(chains []Chain) (min, max string, ok bool) {
	var lo, hi time.Time
	for _, ch := range chains {
		for _, w := range ch.Windows {
			if lo.IsZero() || w.From.Before(lo) {
				lo = w.From
			}
			if w.To.After(hi) {
				hi = w.To
			}
		}
	}
	if hi.IsZero() {
		return "", "", false
	}
	return pickerValue(lo), pickerValue(hi), true
}

// pickerDefault is the moment the picker starts at: what was typed, or the
// latest restorable one.
func pickerDefault(typed, latest string) string {
	if typed == "" {
		return latest
	}
	return strings.TrimSuffix(typed, "Z")
}
