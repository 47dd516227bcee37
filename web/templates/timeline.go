package templates

import (
	"strconv"
	"time"
)

// timelineView is the geometry of the restore wizard's time axis, an SVG that
// draws the restorable windows of chains: a row a chain, a bar for a span,
// a dot for a single moment, and five labelled ticks under them.
// Coordinates are in the SVG's viewBox (1000 wide); x/width attributes,
// not styles, place them, which the page's Content-Security-Policy allows.
// app.js maps a click back to a time from MinMS, MaxMS, X0 and X1.
type timelineView struct {
	Height       float64 // of the viewBox
	MinMS, MaxMS int64   // the axis's ends, in Unix milliseconds
	X0, X1       float64 // where the axis's ends are drawn
	Rows         []timelineRow
	Axis         segment
	AxisLabelY   float64 // baseline of the axis's labels
	Ticks        []timelineTick
	Cursor       segment // where app.js draws the chosen moment; it moves it
}

// timelineRow is one chain on the axis.
type timelineRow struct {
	Label  string // "full" and when its full backup ended
	LabelY float64
	Chain  segment        // from the full backup's end to the newest layer's end
	Ends   []timelineEnd  // a stroke across the row at each layer's end
	Marks  []timelineMark // the restorable windows
}

// timelineEnd marks the end of a layer.
type timelineEnd struct {
	Line  segment
	Title string
}

// timelineMark is a restorable window: a bar from its start to its end (at
// least 3 wide), or a dot for a single moment.
type timelineMark struct {
	Moment                      bool
	From, To                    string // picker values of the window's ends
	X, Y, Width, Height, Radius float64
	Title                       string
}

// timelineTick is a labelled time on the axis.
type timelineTick struct {
	Line        segment
	Label       string
	First, Last bool
}

// segment is an SVG line.
type segment struct{ X1, X2, Y1, Y2 float64 }

const (
	tlX0, tlX1 = 190.0, 985.0
	tlRow      = 30.0
	tlTop      = 8.0
	tlTicks    = 5
)

// newTimeline lays out the restorable chains of chains; it has no rows
// when none is restorable.
func newTimeline(chains []Chain) timelineView {
	chains = restorable(chains)
	var lo, hi time.Time
	for _, ch := range chains {
		if first := ch.Full().EndTime; lo.IsZero() || first.Before(lo) {
			lo = first
		}
		if last := ch.Last().EndTime; last.After(hi) {
			hi = last
		}
	}
	pad := hi.Sub(lo) / 25
	if pad == 0 {
		pad = time.Minute
	}
	lo, hi = lo.Add(-pad), hi.Add(pad)
	x := func(at time.Time) float64 {
		return tlX0 + float64(at.Sub(lo))/float64(hi.Sub(lo))*(tlX1-tlX0)
	}

	axisY := tlTop + tlRow*float64(len(chains)) + 4
	t := timelineView{
		Height:     axisY + 26,
		MinMS:      lo.UnixMilli(),
		MaxMS:      hi.UnixMilli(),
		X0:         tlX0,
		X1:         tlX1,
		Axis:       segment{tlX0, tlX1, axisY, axisY},
		AxisLabelY: axisY + 18,
		Cursor:     segment{0, 0, tlTop - 4, axisY},
	}
	for i, ch := range chains {
		y := tlTop + tlRow*float64(i) + tlRow/2
		row := timelineRow{
			Label:  "full " + ch.Full().EndTime.UTC().Format("01-02 15:04:05"),
			LabelY: y + 4,
			Chain:  segment{x(ch.Full().EndTime), x(ch.Last().EndTime), y, y},
		}
		for _, l := range ch.Layers {
			row.Ends = append(row.Ends, timelineEnd{
				Line:  segment{x(l.EndTime), x(l.EndTime), y - 11, y + 11},
				Title: string(l.Kind) + " backup ends at " + utcMilli(l.EndTime) + " UTC",
			})
		}
		for _, w := range ch.Windows {
			m := timelineMark{Moment: w.Moment(), From: pickerValue(w.From), To: pickerValue(w.To), Title: windowText(w)}
			half := 7.0
			if m.Moment {
				half = 5.5
				m.X, m.Width, m.Radius = x(w.To)-half, 2*half, half
			} else {
				m.X, m.Width, m.Radius = x(w.From), max(x(w.To)-x(w.From), 3), 3
			}
			m.Y, m.Height = y-half, 2*half
			row.Marks = append(row.Marks, m)
		}
		t.Rows = append(t.Rows, row)
	}

	layout := "15:04:05"
	switch span := hi.Sub(lo); {
	case span > 20*time.Hour:
		layout = "01-02 15:04"
	case span < 20*time.Second:
		layout = "15:04:05.000"
	}
	for i := range tlTicks {
		at := lo.Add(hi.Sub(lo) * time.Duration(i) / (tlTicks - 1))
		tx := x(at)
		t.Ticks = append(t.Ticks, timelineTick{
			Line:  segment{tx, tx, axisY, axisY + 5},
			Label: at.UTC().Format(layout),
			First: i == 0,
			Last:  i == tlTicks-1,
		})
	}
	return t
}

// num formats an SVG coordinate.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
