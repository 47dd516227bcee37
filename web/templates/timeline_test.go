package templates

import (
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/collection"
)

// nums formats coordinates as the SVG gets them, to compare them.
func nums(fs ...float64) string {
	s := make([]string, len(fs))
	for i, f := range fs {
		s[i] = num(f)
	}
	return strings.Join(s, " ")
}

func segNums(s segment) string { return nums(s.X1, s.X2, s.Y1, s.Y2) }

func TestTimelineGeometry(t *testing.T) {
	full := fullLayer("f1", at(8, 0, 0, 0))
	inc1 := incLayer("i1", "f1", at(8, 0, 0, 0), at(8, 10, 0, 0))
	inc1.RevisionHistory = true
	inc2 := incLayer("i2", "f1", at(8, 10, 0, 0), at(8, 20, 0, 0))
	chain := Chain{
		Layers:  []collection.Summary{full, inc1, inc2},
		Windows: []RestoreWindow{{From: full.EndTime, To: inc1.EndTime}, moment(inc2.EndTime)},
	}
	// A newer chain whose full backup is missing takes no row and does not
	// stretch the axis.
	broken := Chain{Layers: []collection.Summary{incLayer("i9", "gone", at(9, 0, 0, 0), at(10, 0, 0, 0))}}

	tl := newTimeline([]Chain{broken, chain})

	// The 20 minutes of the chain, padded by 1/25 of them (48 s) each side.
	lo, hi := at(7, 59, 12, 0), at(8, 20, 48, 0)
	if tl.MinMS != lo.UnixMilli() || tl.MaxMS != hi.UnixMilli() {
		t.Errorf("axis = %v .. %v, want %v .. %v", time.UnixMilli(tl.MinMS).UTC(), time.UnixMilli(tl.MaxMS).UTC(), lo, hi)
	}
	if got, want := nums(tl.X0, tl.X1, tl.Height, tl.AxisLabelY), "190.0 985.0 68.0 60.0"; got != want {
		t.Errorf("X0 X1 Height AxisLabelY = %s, want %s", got, want)
	}
	if got, want := segNums(tl.Axis), "190.0 985.0 42.0 42.0"; got != want {
		t.Errorf("Axis = %s, want %s", got, want)
	}
	if got, want := segNums(tl.Cursor), "0.0 0.0 4.0 42.0"; got != want {
		t.Errorf("Cursor = %s, want %s", got, want)
	}

	if len(tl.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(tl.Rows))
	}
	row := tl.Rows[0]
	if row.Label != "full 03-14 08:00:00" || num(row.LabelY) != "27.0" {
		t.Errorf("row label %q at y %s, want %q at 27.0", row.Label, num(row.LabelY), "full 03-14 08:00:00")
	}
	if got, want := segNums(row.Chain), "219.4 955.6 23.0 23.0"; got != want {
		t.Errorf("chain line = %s, want %s", got, want)
	}

	wantEnds := []struct{ line, title string }{
		{"219.4 219.4 12.0 34.0", "full backup ends at 2026-03-14 08:00:00.000 UTC"},
		{"587.5 587.5 12.0 34.0", "incremental backup ends at 2026-03-14 08:10:00.000 UTC"},
		{"955.6 955.6 12.0 34.0", "incremental backup ends at 2026-03-14 08:20:00.000 UTC"},
	}
	if len(row.Ends) != len(wantEnds) {
		t.Fatalf("%d layer ends, want %d", len(row.Ends), len(wantEnds))
	}
	for i, w := range wantEnds {
		if got := segNums(row.Ends[i].Line); got != w.line || row.Ends[i].Title != w.title {
			t.Errorf("end %d = %s %q, want %s %q", i, got, row.Ends[i].Title, w.line, w.title)
		}
	}

	wantMarks := []struct {
		moment        bool
		from, to      string
		x, y, w, h, r string
		title         string
	}{
		{false, "2026-03-14T08:00:00.000", "2026-03-14T08:10:00.000", "219.4", "16.0", "368.1", "14.0", "3.0",
			"any moment from 2026-03-14 08:00:00.000 to 2026-03-14 08:10:00.000 UTC"},
		{true, "2026-03-14T08:20:00.000", "2026-03-14T08:20:00.000", "950.1", "17.5", "11.0", "11.0", "5.5",
			"at 2026-03-14 08:20:00.000 UTC"},
	}
	if len(row.Marks) != len(wantMarks) {
		t.Fatalf("%d marks, want %d", len(row.Marks), len(wantMarks))
	}
	for i, w := range wantMarks {
		m := row.Marks[i]
		got := []string{num(m.X), num(m.Y), num(m.Width), num(m.Height), num(m.Radius)}
		want := []string{w.x, w.y, w.w, w.h, w.r}
		if m.Moment != w.moment || m.From != w.from || m.To != w.to || m.Title != w.title || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("mark %d = %+v (x y w h r %v), want %+v", i, m, got, w)
		}
	}

	wantTicks := []struct{ x, label string }{
		{"190.0", "07:59:12"}, {"388.8", "08:04:36"}, {"587.5", "08:10:00"}, {"786.2", "08:15:24"}, {"985.0", "08:20:48"},
	}
	if len(tl.Ticks) != len(wantTicks) {
		t.Fatalf("%d ticks, want %d", len(tl.Ticks), len(wantTicks))
	}
	for i, w := range wantTicks {
		tk := tl.Ticks[i]
		if num(tk.Line.X1) != w.x || num(tk.Line.X2) != w.x || tk.Label != w.label {
			t.Errorf("tick %d at %s %q, want %s %q", i, num(tk.Line.X1), tk.Label, w.x, w.label)
		}
		if got := nums(tk.Line.Y1, tk.Line.Y2); got != "42.0 47.0" {
			t.Errorf("tick %d spans y %s, want 42.0 47.0", i, got)
		}
		if tk.First != (i == 0) || tk.Last != (i == len(wantTicks)-1) {
			t.Errorf("tick %d first/last = %v/%v", i, tk.First, tk.Last)
		}
	}
}

func TestTimelineRows(t *testing.T) {
	a := Chain{Layers: []collection.Summary{fullLayer("a", at(8, 0, 0, 0))}, Windows: []RestoreWindow{moment(at(8, 0, 0, 0))}}
	b := Chain{Layers: []collection.Summary{fullLayer("b", at(9, 0, 0, 0))}, Windows: []RestoreWindow{moment(at(9, 0, 0, 0))}}
	tl := newTimeline([]Chain{b, a})
	if len(tl.Rows) != 2 {
		t.Fatalf("%d rows, want 2", len(tl.Rows))
	}
	// Rows keep the chains' order (newest first), 30 apart; the axis is below them.
	if got, want := nums(tl.Rows[0].Chain.Y1, tl.Rows[1].Chain.Y1, tl.Axis.Y1, tl.Height), "23.0 53.0 72.0 98.0"; got != want {
		t.Errorf("row, axis and height y = %s, want %s", got, want)
	}
	if tl.Rows[0].Label != "full 03-14 09:00:00" {
		t.Errorf("first row is %q, want the newest chain", tl.Rows[0].Label)
	}
	if got := nums(tl.Rows[0].Chain.X1, tl.Rows[1].Chain.X1); got != "955.6 219.4" {
		t.Errorf("chains at x %s, want 955.6 219.4", got)
	}
}

func TestTimelineEdges(t *testing.T) {
	t.Run("nothing restorable", func(t *testing.T) {
		broken := Chain{Layers: []collection.Summary{incLayer("i", "gone", at(8, 0, 0, 0), at(9, 0, 0, 0))}}
		if tl := newTimeline([]Chain{broken}); len(tl.Rows) != 0 {
			t.Errorf("%d rows, want none", len(tl.Rows))
		}
		if tl := newTimeline(nil); len(tl.Rows) != 0 {
			t.Errorf("%d rows of no chains, want none", len(tl.Rows))
		}
	})

	t.Run("a single moment is padded by a minute and centred", func(t *testing.T) {
		ch := Chain{Layers: []collection.Summary{fullLayer("f", at(8, 0, 0, 0))}, Windows: []RestoreWindow{moment(at(8, 0, 0, 0))}}
		tl := newTimeline([]Chain{ch})
		if tl.MinMS != at(7, 59, 0, 0).UnixMilli() || tl.MaxMS != at(8, 1, 0, 0).UnixMilli() {
			t.Errorf("axis = %d .. %d, want a minute each side", tl.MinMS, tl.MaxMS)
		}
		m := tl.Rows[0].Marks[0]
		if got := nums(m.X, m.Width); got != "582.0 11.0" {
			t.Errorf("moment at x, width %s, want 582.0 11.0", got)
		}
		if tl.Ticks[1].Label != "07:59:30" {
			t.Errorf("second tick %q, want 07:59:30", tl.Ticks[1].Label)
		}
	})

	t.Run("a short window is at least 3 wide", func(t *testing.T) {
		full := fullLayer("f", at(8, 0, 0, 0))
		ch := Chain{
			Layers:  []collection.Summary{full, incLayer("i", "f", at(8, 0, 0, 0), at(8, 20, 0, 0))},
			Windows: []RestoreWindow{{From: at(8, 0, 0, 0), To: at(8, 0, 0, 1)}},
		}
		if w := newTimeline([]Chain{ch}).Rows[0].Marks[0].Width; w != 3 {
			t.Errorf("width %v, want 3", w)
		}
	})

	t.Run("tick labels follow the span", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			start time.Time
			first string
		}{
			{"seconds", at(8, 0, 0, 0).Add(-10 * time.Second), "07:59:49.600"},
			{"hours", at(7, 0, 0, 0), "06:57:36"},
			{"days", at(8, 0, 0, 0).Add(-48 * time.Hour), "03-12 06:04"},
		} {
			ch := Chain{Layers: []collection.Summary{fullLayer("f", tc.start), incLayer("i", "f", tc.start, at(8, 0, 0, 0))}}
			if got := newTimeline([]Chain{ch}).Ticks[0].Label; got != tc.first {
				t.Errorf("%s: first tick %q, want %q", tc.name, got, tc.first)
			}
		}
	})
}
