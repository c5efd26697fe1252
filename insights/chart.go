package insights

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/incidentbot/incidentbot/incident"
)

// The chart is drawn with gonum/plot: pure Go (no cgo, no headless
// browser, no system fonts: it embeds Liberation), kept up by the gonum
// project, and it writes PNG itself, so the bot's image stays one static
// binary.

// ChartWidth and ChartHeight are the PNG's size in pixels. Slack's preview
// shows it about 360 px wide, so type is set large: a 28 pt title at
// chartDPI is 47 px here and still about 10 px there.
const (
	ChartWidth  = 1600
	ChartHeight = 1000
	chartDPI    = 120
)

// Type sizes, in points at chartDPI.
const (
	titleSize  = 28
	labelSize  = 20
	tickSize   = 20
	legendSize = 20
	valueSize  = 18
)

var (
	sevColours = []color.Color{
		color.RGBA{0xcf, 0x22, 0x2e, 0xff}, // P1
		color.RGBA{0xe1, 0x6f, 0x24, 0xff}, // P2
		color.RGBA{0xd4, 0xa7, 0x2c, 0xff}, // P3
		color.RGBA{0x6e, 0x77, 0x81, 0xff}, // P4
	}
	blue   = color.RGBA{0x05, 0x50, 0xae, 0xff}
	green  = color.RGBA{0x1a, 0x7f, 0x37, 0xff}
	purple = color.RGBA{0x82, 0x50, 0xdf, 0xff}
	grey   = color.RGBA{0x9a, 0xa1, 0xa9, 0xff}
)

// Chart draws the report as one PNG: incidents per week by severity and
// the weekly medians of time to acknowledge and to resolve on top; the top
// services, the AI connections and what became of the drafts below. An
// empty report draws empty panels that say so.
func Chart(r Report) (_ []byte, err error) {
	// gonum/plot panics on inputs it cannot scale; a report must never
	// take the bot down with it.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("insights: draw chart: %v", p)
		}
	}()
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/chartDPI, vg.Length(ChartHeight)*vg.Inch/chartDPI),
		vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	halves := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(16), PadTop: vg.Points(8), PadBottom: vg.Points(4)}
	rows := [][]panel{{weekly(r), times(r)}, {servicesPlot(r), aiPlot(r), draftsPlot(r)}}
	for i, row := range rows {
		plots := make([]*plot.Plot, len(row))
		for j, pn := range row {
			plots[j] = pn.p
		}
		tiles := draw.Tiles{Rows: 1, Cols: len(row), PadX: vg.Points(24), PadLeft: vg.Points(8), PadRight: vg.Points(16)}
		// Align lines up the data areas within a row, whatever each
		// panel's tick labels take.
		canvases := plot.Align([][]*plot.Plot{plots}, tiles, halves.At(dc, 0, i))
		for j, pn := range row {
			pn.p.Draw(canvases[0][j])
			pn.drawKey(canvases[0][j])
		}
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("insights: draw chart: %w", err)
	}
	return b.Bytes(), nil
}

// panel is a plot and its colour key. The key is one row in a band
// between the title and the data, where it can cover nothing: gonum's
// legend stacks its entries inside the data area, over the bars.
type panel struct {
	p    *plot.Plot
	key  []string
	cols []color.Color
}

// keyBand is the height of the key's row.
const keyBand = legendSize * 1.6

// withKey gives p a key and makes room for it under the title.
func withKey(p *plot.Plot, names []string, cols []color.Color) panel {
	p.Title.Padding += vg.Points(keyBand)
	return panel{p: p, key: names, cols: cols}
}

func (pn panel) drawKey(c draw.Canvas) {
	if len(pn.key) == 0 {
		return
	}
	sty := pn.p.Legend.TextStyle
	sty.XAlign, sty.YAlign = draw.XRight, draw.YCenter
	box := sty.Font.Size * 0.8
	y := c.Max.Y - pn.p.Title.TextStyle.Rectangle(pn.p.Title.Text).Size().Y - vg.Points(keyBand)/2
	x := pn.p.DataCanvas(c).Max.X
	for i := len(pn.key) - 1; i >= 0; i-- {
		c.SetColor(pn.cols[i])
		c.Fill(vg.Rectangle{Min: vg.Point{X: x - box, Y: y - box/2}, Max: vg.Point{X: x, Y: y + box/2}}.Path())
		x -= box + sty.Font.Size*0.3
		c.FillText(sty, vg.Point{X: x, Y: y}, pn.key[i])
		x -= sty.Width(pn.key[i]) + sty.Font.Size
	}
}

// Sans-serif reads better small; plot.New takes its fonts from these.
func init() {
	plot.DefaultFont.Variant = "Sans"
	plotter.DefaultFont.Variant = "Sans"
}

// newPlot is a panel with type big enough for a thumbnail.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(titleSize)
	p.Title.Padding = vg.Points(10)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(labelSize)
		a.Tick.Label.Font.Size = vg.Points(tickSize)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(legendSize) // the key's type
	return p
}

// weekly is incidents per week, stacked by severity.
func weekly(r Report) panel {
	p := newPlot("Incidents per week")
	if r.Incidents == 0 {
		p.Title.Text = "Incidents per week: no incidents"
	}
	p.Y.Min = 0
	labels := make([]string, len(r.Weeks))
	step := labelStep(len(r.Weeks))
	for i, w := range r.Weeks {
		if i%step == 0 {
			labels[i] = w.Start.Format("2 Jan")
		}
	}
	var below *plotter.BarChart
	width := vg.Points(max(2, 300/float64(max(1, len(r.Weeks)))))
	for s := range 4 {
		vals := make(plotter.Values, len(r.Weeks))
		for i, w := range r.Weeks {
			vals[i] = float64(w.Counts[s])
		}
		if len(vals) == 0 {
			break
		}
		bars, err := plotter.NewBarChart(vals, width)
		if err != nil {
			continue
		}
		bars.Color, bars.LineStyle.Width = sevColours[s], 0
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		p.Add(bars)
	}
	if len(labels) > 0 {
		p.NominalX(labels...)
	}
	p.Y.Tick.Marker = intTicks{}
	p.Y.Max = max(p.Y.Max, 1)
	if r.Incidents == 0 {
		return panel{p: p}
	}
	return withKey(p, []string{"P1", "P2", "P3", "P4"}, sevColours)
}

// times is the weekly median time to acknowledge and to resolve, in
// minutes on a log scale, since one is minutes and the other hours.
func times(r Report) panel {
	p := newPlot("Median time to ack, resolve")
	// No axis label: the ticks say their units. (gonum centres a label on
	// the arithmetic middle of a log axis, which pushes the row down.)
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, durationTicks{}
	var key []string
	var cols []color.Color
	for _, l := range []struct {
		name string
		col  color.Color
		get  func(Week) float64
		stat Stat
	}{
		{"ack", blue, func(w Week) float64 { return w.MTTAMedianSeconds }, r.MTTA},
		{"resolve", sevColours[0], func(w Week) float64 { return w.MTTRMedianSeconds }, r.MTTR},
	} {
		var pts plotter.XYs
		for i, w := range r.Weeks {
			if v := l.get(w); v > 0 {
				// A log axis has no zero; under 6 s shows as 6 s.
				pts = append(pts, plotter.XY{X: float64(i), Y: max(v/60, 0.1)})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			continue
		}
		line.Color, line.Width = l.col, vg.Points(3)
		p.Add(line)
		// Markers help a sparse line; on a year they are clutter.
		if len(r.Weeks) <= 20 {
			points.Color, points.Radius = l.col, vg.Points(4)
			p.Add(points)
		}
		key, cols = append(key, fmt.Sprintf("%s %s", l.name, durationOr(l.stat))), append(cols, l.col)
	}
	if len(key) == 0 {
		// A log axis needs a range; show an empty one.
		p.Y.Min, p.Y.Max = 1, 60
		if r.Incidents == 0 {
			p.Title.Text = "Time to ack, resolve: no incidents"
		} else {
			p.Title.Text = "Time to ack, resolve: none yet"
		}
	}
	// Out to the marks either side, so both ends are labelled.
	p.Y.Min, p.Y.Max = durationTicks{}.below(p.Y.Min), durationTicks{}.above(p.Y.Max)
	if p.Y.Max <= p.Y.Min {
		// Every median the same (all under 6 s, say): a log axis with
		// no range panics.
		p.Y.Max = durationTicks{}.above(p.Y.Min * 1.01)
	}
	p.X.Min, p.X.Max = 0, float64(max(1, len(r.Weeks)-1))
	p.X.Tick.Marker = weekTicks(r.Weeks)
	if len(key) == 0 {
		return panel{p: p}
	}
	return withKey(p, key, cols)
}

// servicesPlot is the services with the most incidents, most first.
func servicesPlot(r Report) panel {
	p := newPlot("Top services")
	names := make([]string, len(r.TopServices))
	vals := make(plotter.Values, len(r.TopServices))
	for i, s := range r.TopServices {
		names[i], vals[i] = s.Name, float64(s.Incidents)
	}
	switch {
	case r.Incidents == 0:
		p.Title.Text = "Top services\nno incidents"
	case len(vals) == 0:
		p.Title.Text = "Top services\nnone named"
	}
	hbars(p, names, vals, func(int) color.Color { return blue })
	return panel{p: p}
}

// aiPlot is how many incidents had each AI connection, the AI-related ones
// coloured, with their share of those recorded in the title.
func aiPlot(r Report) panel {
	p := newPlot(fmt.Sprintf("AI-related: %s", percent(r.AIShare)))
	switch {
	case r.Incidents == 0:
		p.Title.Text = "AI connection\nno incidents"
	case r.AIRecorded == 0:
		p.Title.Text = "AI connection\nnone recorded"
	}
	names := make([]string, len(r.AI))
	vals := make(plotter.Values, len(r.AI))
	for i, a := range r.AI {
		names[i], vals[i] = a.Connection, float64(a.Incidents)
	}
	hbars(p, names, vals, func(i int) color.Color {
		if slices.ContainsFunc(aiConnected, func(c incident.AIConnection) bool { return string(c) == names[i] }) {
			return purple
		}
		return grey
	})
	return panel{p: p}
}

// draftsPlot is what became of AI and template drafts.
func draftsPlot(r Report) panel {
	d := r.Drafts.Outcomes
	total := d.Approved + d.Edited + d.Rejected + d.Pending
	p := newPlot(fmt.Sprintf("Drafts: %s published", percent(d.ApprovalRatio)))
	switch {
	case r.Incidents == 0:
		p.Title.Text = "Drafts\nno incidents"
	case total == 0:
		p.Title.Text = "Drafts: none yet"
	}
	// Top to bottom, as a reader takes them.
	cats := []string{"approved", "edited", "rejected", "waiting"}
	sources := []struct {
		key, name string
		col       color.Color
	}{{"llm", "AI", blue}, {"template", "template", green}}
	const barW = 16
	top := 0.0
	var xys plotter.XYs
	var labels []string
	var offs []vg.Length
	for i, src := range sources {
		o := r.Drafts.BySource[src.key]
		counts := []int{o.Approved, o.Edited, o.Rejected, o.Pending}
		vals := make(plotter.Values, len(counts))
		for j, n := range counts {
			vals[len(counts)-1-j] = float64(n)
			top = max(top, float64(n))
			if n > 0 {
				xys = append(xys, plotter.XY{X: float64(n), Y: float64(len(counts) - 1 - j)})
				labels = append(labels, strconv.Itoa(n))
				offs = append(offs, vg.Points(float64(1-2*i)*barW/2))
			}
		}
		bars, err := plotter.NewBarChart(vals, vg.Points(barW))
		if err != nil {
			continue
		}
		bars.Horizontal = true
		bars.Color, bars.LineStyle.Width = src.col, 0
		bars.Offset = vg.Points(float64(1-2*i) * barW / 2)
		p.Add(bars)
	}
	if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil && len(xys) > 0 {
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(valueSize * 0.8)
			l.TextStyle[i].YAlign = draw.YCenter
		}
		p.Add(offsetLabels{l, offs})
	}
	slices.Reverse(cats)
	p.NominalY(cats...)
	p.X.Min = 0
	p.X.Max = max(top, 1) * 1.25 // room for the count labels
	p.X.Tick.Marker = intTicks{}
	if total == 0 {
		p.HideAxes()
		return panel{p: p}
	}
	return withKey(p, []string{"AI", "template"}, []color.Color{blue, green})
}

// offsetLabels draws count labels beside grouped bars: each label moves
// along the category axis by its bar's offset, and a little right of the
// bar's end.
type offsetLabels struct {
	*plotter.Labels
	offs []vg.Length
}

// Plot implements plot.Plotter.
func (l offsetLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, label := range l.Labels.Labels {
		pt := vg.Point{X: trX(l.XYs[i].X) + vg.Points(6), Y: trY(l.XYs[i].Y) + l.offs[i]}
		c.FillText(l.TextStyle[i], pt, label)
	}
}

// hbars draws vals as horizontal bars named on the Y axis, the first on
// top, each labelled with its count so a thumbnail needs no axis.
func hbars(p *plot.Plot, names []string, vals plotter.Values, col func(int) color.Color) {
	p.X.Min = 0
	p.X.Tick.Marker = intTicks{}
	if len(vals) == 0 {
		p.HideAxes()
		return
	}
	n := len(vals)
	// The bottom row's data area is about 150 pt tall: bars take 60% of
	// each row, and crowded names shrink to fit.
	if n > 6 {
		p.Y.Tick.Label.Font.Size = vg.Points(min(tickSize, 150/float64(n)))
	}
	rev := make([]string, n)
	top := 0.0
	for i := range n {
		rev[n-1-i] = names[i]
		top = max(top, vals[i])
	}
	// One chart per bar, so each can take its own colour.
	var xys plotter.XYs
	var labels []string
	for i := range n {
		v := make(plotter.Values, n)
		v[n-1-i] = vals[i]
		bars, err := plotter.NewBarChart(v, vg.Points(min(24, 0.6*150/float64(n))))
		if err != nil {
			continue
		}
		bars.Horizontal, bars.Color, bars.LineStyle.Width = true, col(i), 0
		p.Add(bars)
		xys = append(xys, plotter.XY{X: vals[i], Y: float64(n - 1 - i)})
		labels = append(labels, strconv.Itoa(int(vals[i])))
	}
	if l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels}); err == nil {
		for i := range l.TextStyle {
			l.TextStyle[i].Font.Size = vg.Points(min(valueSize, 150/float64(n)))
			l.TextStyle[i].YAlign = draw.YCenter
		}
		l.Offset = vg.Point{X: vg.Points(6)}
		p.Add(l)
	}
	p.NominalY(rev...)
	p.X.Max = max(top, 1) * 1.25 // room for the count labels
}

// intTicks marks whole numbers only: these axes count incidents and
// drafts, and "2.5 incidents" reads as a bug.
type intTicks struct{}

// Ticks implements plot.Ticker.
func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	span := max(hi-lo, 1)
	step := math.Pow(10, math.Floor(math.Log10(span/4)))
	for _, m := range []float64{1, 2, 5, 10} {
		if span/(step*m) <= 5 {
			step *= m
			break
		}
	}
	step = max(1, math.Round(step))
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return ticks
}

// durationTicks marks a log axis of minutes with durations people know.
type durationTicks struct{}

var durationMarks = []struct {
	min   float64
	label string
	wide  bool // kept when the axis spans many decades
}{{0.1, "6s", true}, {1, "1m", true}, {10, "10m", false}, {60, "1h", true}, {360, "6h", false},
	{1440, "1d", true}, {10080, "1w", true}, {43200, "30d", true}}

// below is the largest mark at or under v; above the smallest at or over.
func (durationTicks) below(v float64) float64 {
	out := durationMarks[0].min
	for _, m := range durationMarks {
		if m.min <= v {
			out = m.min
		}
	}
	return out
}

func (durationTicks) above(v float64) float64 {
	for _, m := range durationMarks {
		if m.min >= v {
			return m.min
		}
	}
	return max(v, durationMarks[len(durationMarks)-1].min)
}

// Ticks implements plot.Ticker.
func (durationTicks) Ticks(lo, hi float64) []plot.Tick {
	wide := hi/max(lo, 0.01) > 2000 // over about three decades
	var out []plot.Tick
	for _, m := range durationMarks {
		if m.min >= lo && m.min <= hi && (m.wide || !wide) {
			out = append(out, plot.Tick{Value: m.min, Label: m.label})
		}
	}
	return out
}

// weekTicks labels a few week indexes with their dates.
func weekTicks(weeks []Week) plot.Ticker {
	return plot.TickerFunc(func(_, _ float64) []plot.Tick {
		var ticks []plot.Tick
		step := labelStep(len(weeks))
		for i := 0; i < len(weeks); i += step {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: weeks[i].Start.Format("2 Jan")})
		}
		return ticks
	})
}

// labelStep labels at most five weeks, so dates never overlap.
func labelStep(weeks int) int { return max(1, int(math.Ceil(float64(weeks)/5))) }

func durationOr(s Stat) string {
	if s.Count == 0 {
		return "n/a"
	}
	return duration(s.MedianSeconds)
}
