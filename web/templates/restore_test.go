package templates

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/collection"
)

func TestWizardSteps(t *testing.T) {
	for _, tc := range []struct {
		step string
		want string // each step's label, + when done, * when current
	}{
		{"source", "Source* Scope Target Options Review"},
		{"target", "Source+ Scope+ Target* Options Review"},
		{"review", "Source+ Scope+ Target+ Options+ Review*"},
		{"", "Source* Scope Target Options Review"},
		{"bogus", "Source* Scope Target Options Review"},
	} {
		var got []string
		for _, s := range (RestoreWizard{Step: tc.step}).steps() {
			l := s.Label
			if s.Done {
				l += "+"
			}
			if s.Current {
				l += "*"
			}
			got = append(got, l)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("steps at %q = %s, want %s", tc.step, g, tc.want)
		}
	}
}

func TestWizardValues(t *testing.T) {
	w := RestoreWizard{
		Collection: "off site", Database: "shop", Point: "layer", Backup: "b1", AsOf: "2026-03-14T08:45:00.000",
		Scope: "tables", Tables: []string{"public.b", "public.a"}, Cluster: "dev", IntoDB: "into",
		SkipFK: true, SkipViews: true,
	}
	for _, tc := range []struct {
		name string
		w    RestoreWizard
		want string
	}{
		{"a layer, chosen tables", w,
			"backup=b1&cluster=dev&collection=off+site&database=shop&into_db=into&point=layer&scope=tables&skip_missing_foreign_keys=true&skip_missing_views=true&tables=public.b&tables=public.a"},
		{"a moment: the typed time, not the layer", func() RestoreWizard { x := w; x.Point = "time"; return x }(),
			"as_of_system_time=2026-03-14T08%3A45%3A00.000&cluster=dev&collection=off+site&database=shop&into_db=into&point=time&scope=tables&skip_missing_foreign_keys=true&skip_missing_views=true&tables=public.b&tables=public.a"},
		{"latest: neither", func() RestoreWizard { x := w; x.Point = "latest"; return x }(),
			"cluster=dev&collection=off+site&database=shop&into_db=into&point=latest&scope=tables&skip_missing_foreign_keys=true&skip_missing_views=true&tables=public.b&tables=public.a"},
		{"nothing chosen", RestoreWizard{}, ""},
	} {
		if got := tc.w.values().Encode(); got != tc.want {
			t.Errorf("%s: values = %s, want %s", tc.name, got, tc.want)
		}
	}

	got := w.hiddenFields("scope", "tables")
	want := []field{
		{"backup", "b1"}, {"cluster", "dev"}, {"collection", "off site"}, {"database", "shop"}, {"into_db", "into"},
		{"point", "layer"}, {"skip_missing_foreign_keys", "true"}, {"skip_missing_views", "true"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("hiddenFields(scope, tables) = %v, want %v", got, want)
	}
	got = w.hiddenFields()
	if n := len(got); n != 11 || got[9] != (field{"tables", "public.b"}) || got[10] != (field{"tables", "public.a"}) {
		t.Errorf("hiddenFields() = %v, want 11 fields ending with the tables in their order", got)
	}

	for _, tc := range []struct {
		step, want string
	}{
		{"source", "/collections"},
		{"bogus", "/collections"},
		{"scope", "/restore?backup=b1&cluster=dev&collection=off+site&database=shop&into_db=into&point=layer&scope=tables&skip_missing_foreign_keys=true&skip_missing_views=true&step=source&tables=public.b&tables=public.a"},
		{"review", "/restore?backup=b1&cluster=dev&collection=off+site&database=shop&into_db=into&point=layer&scope=tables&skip_missing_foreign_keys=true&skip_missing_views=true&step=options&tables=public.b&tables=public.a"},
	} {
		x := w
		x.Step = tc.step
		if got := x.backURL(); got != tc.want {
			t.Errorf("backURL at %q = %s, want %s", tc.step, got, tc.want)
		}
	}
}

func TestWizardTarget(t *testing.T) {
	w := RestoreWizard{NewDBName: "shop_copy", IntoDB: "shop"}
	if got := w.TargetName(); got != "shop_copy" {
		t.Errorf("TargetName of a whole database = %q, want the new database", got)
	}
	w.Scope = "tables"
	if got := w.TargetName(); got != "shop" {
		t.Errorf("TargetName of chosen tables = %q, want the existing database", got)
	}
	if got, want := regexpQuote("shop.v2+(a)"), `shop\.v2\+\(a\)`; got != want {
		t.Errorf("regexpQuote = %q, want %q", got, want)
	}
}

// wizardFixture is a chain f1 ← i1 ← i2 and an older full backup f0, and a
// manifest with three tables, one an extension's.
func wizardFixture() RestoreWizard {
	f1 := fullLayer("f1", at(8, 0, 0, 0))
	f1.Rows, f1.RawBytes = 1000, 4096
	i1 := incLayer("i1", "f1", at(8, 0, 0, 0), at(8, 30, 0, 0))
	i1.Rows = 40
	i2 := incLayer("i2", "f1", at(8, 30, 0, 0), at(9, 0, 0, 0))
	i2.Rows = 2
	f0 := fullLayer("f0", at(6, 0, 0, 0))
	return RestoreWizard{
		Chains: []Chain{{Layers: []collection.Summary{f1, i1, i2}}, {Layers: []collection.Summary{f0}}},
		Manifest: &collection.Manifest{Kind: collection.KindFull, Path: "f1", Chain: "f1", Database: "shop", EndTime: at(8, 0, 0, 0), Tables: []collection.Table{
			{Schema: "public", Name: "orders", Rows: 1000, RawBytes: 2048},
			{Schema: "public", Name: "items", Rows: 5, RawBytes: 100},
			{Schema: "part", Name: "config", Rows: 1, RawBytes: 10, ExtensionConfig: true},
		}},
		NewDBName: "shop_copy", IntoDB: "shop", Cluster: "dev",
	}
}

func TestWizardTables(t *testing.T) {
	w := wizardFixture()
	var names []string
	for _, tb := range w.choosableTables() {
		names = append(names, tb.QualifiedName())
	}
	if got := strings.Join(names, " "); got != "public.orders public.items" {
		t.Errorf("choosableTables = %s, want the tables that are not an extension's", got)
	}

	if rows, bytes := w.tableRows(); rows != 1006 || bytes != 2158 {
		t.Errorf("tableRows of the whole database = %d, %d; want 1006, 2158", rows, bytes)
	}
	w.Scope, w.Tables = "tables", []string{"public.items", "public.gone"}
	if !w.tableChosen("public.items") || w.tableChosen("public.orders") {
		t.Errorf("tableChosen does not follow Tables %v", w.Tables)
	}
	if rows, bytes := w.tableRows(); rows != 5 || bytes != 100 {
		t.Errorf("tableRows of chosen tables = %d, %d; want 5, 100", rows, bytes)
	}
	w.Manifest = nil
	if rows, bytes := w.tableRows(); rows != 0 || bytes != 0 {
		t.Errorf("tableRows without a manifest = %d, %d; want 0, 0", rows, bytes)
	}
}

func TestWizardChains(t *testing.T) {
	w := wizardFixture()
	if ch, ok := w.latestChain(); !ok || ch.Full().Path != "f1" {
		t.Errorf("latestChain = %v, %v; want the chain of f1", ch.Full().Path, ok)
	}
	// A chain without its full backup is never the latest, however new.
	broken := Chain{Layers: []collection.Summary{incLayer("i9", "gone", at(10, 0, 0, 0), at(11, 0, 0, 0))}}
	w.Chains = append([]Chain{broken}, w.Chains...)
	if ch, ok := w.latestChain(); !ok || ch.Full().Path != "f1" {
		t.Errorf("latestChain with a broken newer chain = %v, %v; want the chain of f1", ch.Full().Path, ok)
	}
	if got := len(w.restorableChains()); got != 2 {
		t.Errorf("restorableChains offers %d chains, want 2", got)
	}
	if _, ok := (RestoreWizard{Chains: []Chain{broken}}).latestChain(); ok {
		t.Error("latestChain found a chain where none is restorable")
	}

	for _, tc := range []struct {
		path, chain string
		want        string
	}{
		{"f1", "f1", "f1"},
		{"i2", "f1", "f1 i1 i2"},
		{"i1", "f1", "f1 i1"},
		{"i1", "other", ""},
		{"nope", "f1", ""},
	} {
		w.Manifest = &collection.Manifest{Path: tc.path, Chain: tc.chain}
		var got []string
		for _, l := range w.chainUpTo() {
			got = append(got, l.Path)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("chainUpTo %s of %s = %q, want %q", tc.path, tc.chain, g, tc.want)
		}
	}
}

func TestWizardPlan(t *testing.T) {
	full := wizardFixture()

	inc := wizardFixture()
	inc.Manifest = &collection.Manifest{Kind: collection.KindIncremental, Path: "i2", Chain: "f1", Database: "shop", EndTime: at(9, 0, 0, 0)}

	unknown := wizardFixture()
	unknown.Manifest = &collection.Manifest{Kind: collection.KindIncremental, Path: "i7", Chain: "f7", Database: "shop", EndTime: at(9, 0, 0, 0)}

	for _, tc := range []struct {
		name  string
		w     RestoreWizard
		point string
		want  string
	}{
		{"full", full, "latest", "the full backup f1 of database shop (data as of 2026-03-14 08:00:00 UTC)"},
		{"incremental", inc, "layer", "the full backup f1 of database shop and 2 incremental layer(s) up to i2 (data as of 2026-03-14 09:00:00 UTC)"},
		{"incremental to a moment", inc, "time", "the full backup f1 of database shop and the changes of 2 incremental layer(s) committed up to then"},
		{"incremental of an unknown chain", unknown, "layer", "the full backup f7 of database shop and its incremental layer(s) up to i7 (data as of 2026-03-14 09:00:00 UTC)"},
	} {
		tc.w.Point = tc.point
		if got := tc.w.source(); got != tc.want {
			t.Errorf("%s: source = %q, want %q", tc.name, got, tc.want)
		}
	}

	for _, tc := range []struct {
		name string
		w    RestoreWizard
		want string
	}{
		{"full", full, "About 1,006 rows, 2.1 KiB of table data."},
		{"incremental", inc, "The full backup holds about 1,000 rows (4.0 KiB of table data) of the whole chain; 42 changed rows of the incremental layers are applied on top."},
		{"incremental of an unknown chain", unknown, ""},
	} {
		if got := tc.w.sizeText(); got != tc.want {
			t.Errorf("%s: sizeText = %q, want %q", tc.name, got, tc.want)
		}
	}

	whole := full
	whole.Point = "latest"
	wantWhole := []string{
		"Restore the whole database from the full backup f1 of database shop (data as of 2026-03-14 08:00:00 UTC).",
		"As the new database shop_copy on cluster dev. If it already exists, the restore stops before changing anything.",
		"About 1,006 rows, 2.1 KiB of table data. Schema first, then data in parallel, then indexes and constraints, then sequence values.",
		"Roles the schema names that do not exist on the target are created without login.",
	}
	if got := whole.planText(); !reflect.DeepEqual(got, wantWhole) {
		t.Errorf("planText of a whole database =\n%q\nwant\n%q", got, wantWhole)
	}

	tables := inc
	tables.Point, tables.AsOfTime = "time", at(8, 45, 0, 123)
	tables.Scope, tables.Tables, tables.SkipSeq, tables.SkipViews = "tables", []string{"public.orders", "public.items"}, true, true
	wantTables := []string{
		"Restore 2 table(s) — public.orders, public.items — as it was at 2026-03-14 08:45:00.123 UTC, from the full backup f1 of database shop and the changes of 2 incremental layer(s) committed up to then.",
		"Into the existing database shop on cluster dev. If any of these tables already exists there, the restore stops before changing anything.",
		"Missing dependencies: column defaults that use sequences that are not restored are dropped; views that depend on tables that are not restored are skipped.",
		"The full backup holds about 1,000 rows (4.0 KiB of table data) of the whole chain; 42 changed rows of the incremental layers are applied on top. Schema first, then data in parallel, then indexes and constraints, then sequence values.",
		"Roles the schema names that do not exist on the target are created without login.",
	}
	if got := tables.planText(); !reflect.DeepEqual(got, wantTables) {
		t.Errorf("planText of chosen tables at a moment =\n%q\nwant\n%q", got, wantTables)
	}
	tables.SkipSeq, tables.SkipViews = false, false
	if got, want := tables.planText()[2], "If a table depends on something left behind (a foreign key, a sequence, a view), the restore stops and names it."; got != want {
		t.Errorf("planText without skips says %q, want %q", got, want)
	}
}

func TestLayerOption(t *testing.T) {
	f := fullLayer("f", at(8, 0, 0, 0))
	f.Rows, f.StoredBytes = 1234, 3<<20
	i := incLayer("i", "f", at(8, 0, 0, 0), at(8, 30, 0, 0))
	i.Rows = 42
	h := i
	h.RevisionHistory = true
	for _, tc := range []struct {
		l    collection.Summary
		want string
	}{
		{f, "full · at 2026-03-14 08:00:00.000 UTC · 1,234 rows · 3.0 MiB"},
		{i, "incremental · 2026-03-14 08:00:00.000 – 08:30:00.000 UTC · 42 changed rows"},
		{h, "incremental · 2026-03-14 08:00:00.000 – 08:30:00.000 UTC · revision history · 42 changed rows"},
	} {
		if got := layerOption(tc.l); got != tc.want {
			t.Errorf("layerOption = %q, want %q", got, tc.want)
		}
	}
}

func TestPicker(t *testing.T) {
	if lo, hi, ok := pickerBounds(nil); ok || lo != "" || hi != "" {
		t.Errorf("pickerBounds of nothing = %q, %q, %v; want none", lo, hi, ok)
	}
	chains := []Chain{
		{Windows: []RestoreWindow{{From: at(8, 0, 0, 0), To: at(8, 30, 0, 0)}, moment(at(9, 0, 0, 0))}},
		{Windows: []RestoreWindow{moment(at(6, 0, 0, 5))}},
		{}, // a chain without its full backup has no windows
	}
	lo, hi, ok := pickerBounds(chains)
	if !ok || lo != "2026-03-14T06:00:00.005" || hi != "2026-03-14T09:00:00.000" {
		t.Errorf("pickerBounds = %q, %q, %v; want 06:00:00.005 to 09:00:00.000", lo, hi, ok)
	}

	for _, tc := range []struct {
		typed, want string
	}{
		{"", "2026-03-14T09:00:00.000"},
		{"2026-03-14T08:45:00.123Z", "2026-03-14T08:45:00.123"},
		{"2026-03-14T08:45", "2026-03-14T08:45"},
	} {
		if got := pickerDefault(tc.typed, "2026-03-14T09:00:00.000"); got != tc.want {
			t.Errorf("pickerDefault(%q) = %q, want %q", tc.typed, got, tc.want)
		}
	}
}
