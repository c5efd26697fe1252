package insights

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The chart is drawn with gonum/plot: pure Go (no cgo, no browser), kept up
// by the gonum project, and it writes PNG directly.

// ChartWidth and ChartHeight are the PNG's size in pixels; the fonts are
// sized to stay legible in Slack's preview, which shows it at about a
// quarter of that.
const (
	ChartWidth  = 1600
	ChartHeight = 1000
	chartDPI    = 100
)

var (
	sevColours = []color.Color{
		color.RGBA{0xcf, 0x22, 0x2e, 0xff}, // P1
		color.RGBA{0xe1, 0x6f, 0x24, 0xff}, // P2
		color.RGBA{0xd4, 0xa7, 0x2c, 0xff}, // P3
		color.RGBA{0x6e, 0x77, 0x81, 0xff}, // P4
	}
	blue  = color.RGBA{0x05, 0x50, 0xae, 0xff}
	green = color.RGBA{0x1a, 0x7f, 0x37, 0xff}
)

// Chart draws the report as one PNG of four panels: incidents per week by
// severity, the weekly medians of time to acknowledge and to resolve, the
// top services, and what became of the drafts (with the AI share).
func Chart(r Report) ([]byte, error) {
	panels := [][]*plot.Plot{{weekly(r), times(r)}, {servicesPlot(r), draftsPlot(r)}}
	img := vgimg.NewWith(vgimg.UseWH(vg.Length(ChartWidth)*vg.Inch/chartDPI, vg.Length(ChartHeight)*vg.Inch/chartDPI),
		vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 2, PadX: vg.Points(28), PadY: vg.Points(24),
		PadTop: vg.Points(12), PadBottom: vg.Points(12), PadLeft: vg.Points(12), PadRight: vg.Points(20)}
	canvases := plot.Align(panels, tiles, dc)
	for i, row := range panels {
		for j, p := range row {
			p.Draw(canvases[i][j])
		}
	}
	var b bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&b); err != nil {
		return nil, fmt.Errorf("insights: draw chart: %w", err)
	}
	return b.Bytes(), nil
}

// Sans-serif reads better small; plot.New takes its fonts from these.
func init() {
	plot.DefaultFont.Variant = "Sans"
	plotter.DefaultFont.Variant = "Sans"
}

// newPlot is a panel with fonts big enough for a thumbnail.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(26)
	p.Title.Padding = vg.Points(8)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(20)
		a.Tick.Label.Font.Size = vg.Points(18)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(18)
	p.Legend.Top = true
	return p
}

// weekly is incidents per week, stacked by severity.
func weekly(r Report) *plot.Plot {
	p := newPlot(fmt.Sprintf("Incidents per week (%d in all)", r.Incidents))
	p.Y.Label.Text = "incidents"
	p.Y.Min = 0
	labels := make([]string, len(r.Weeks))
	step := max(1, int(math.Ceil(float64(len(r.Weeks))/6)))
	for i, w := range r.Weeks {
		if i%step == 0 {
			labels[i] = w.Start.Format("2 Jan")
		}
	}
	var below *plotter.BarChart
	width := vg.Points(max(2, 380/float64(max(1, len(r.Weeks)))))
	for s := range 4 {
		vals := make(plotter.Values, len(r.Weeks))
		for i, w := range r.Weeks {
			vals[i] = float64(w.Counts[s])
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
		p.Legend.Add(fmt.Sprintf("P%d", s+1), bars)
	}
	p.NominalX(labels...)
	// Headroom for the legend above the tallest week.
	p.Y.Max = max(p.Y.Max, 1) * 1.3
	return p
}

// times is the weekly median time to acknowledge and to resolve, in
// minutes on a log scale, since one is minutes and the other hours.
func times(r Report) *plot.Plot {
	p := newPlot(fmt.Sprintf("Weekly median time to acknowledge, to resolve\nover the window: %s, %s", durationOr(r.MTTA), durationOr(r.MTTR)))
	p.Y.Label.Text = "minutes (log scale)"
	p.X.Label.Text = "week"
	p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	drawn := false
	for _, l := range []struct {
		name string
		col  color.Color
		get  func(Week) float64
	}{
		{"acknowledge", blue, func(w Week) float64 { return w.MTTASeconds }},
		{"resolve", sevColours[0], func(w Week) float64 { return w.MTTRSeconds }},
	} {
		var pts plotter.XYs
		for i, w := range r.Weeks {
			if v := l.get(w); v > 0 {
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
		points.Color, points.Radius = l.col, vg.Points(4)
		p.Add(line, points)
		p.Legend.Add(l.name, line)
		drawn = true
	}
	if !drawn {
		// A log axis needs a range; show an empty one.
		p.Y.Min, p.Y.Max = 1, 100
	}
	p.Y.Max *= 3 // headroom for the legend
	p.X.Min, p.X.Max = 0, float64(max(1, len(r.Weeks)-1))
	p.X.Tick.Marker = weekTicks(r)
	return p
}

// weekTicks labels a few week indexes with their dates.
func weekTicks(r Report) plot.Ticker {
	return plot.TickerFunc(func(min, max float64) []plot.Tick {
		var ticks []plot.Tick
		step := int(math.Max(1, math.Ceil(float64(len(r.Weeks))/6)))
		for i := 0; i < len(r.Weeks); i += step {
			ticks = append(ticks, plot.Tick{Value: float64(i), Label: r.Weeks[i].Start.Format("2 Jan")})
		}
		return ticks
	})
}

// servicesPlot is the services with the most incidents.
func servicesPlot(r Report) *plot.Plot {
	p := newPlot("Top services\nby incidents")
	p.Y.Label.Text = "incidents"
	p.Y.Min = 0
	vals := make(plotter.Values, len(r.TopServices))
	names := make([]string, len(r.TopServices))
	for i, s := range r.TopServices {
		vals[i], names[i] = float64(s.Incidents), s.Name
	}
	if len(vals) == 0 {
		p.Title.Text = "Top services\nno incident named a service"
		vals, names = plotter.Values{0}, []string{""}
	}
	if bars, err := plotter.NewBarChart(vals, vg.Points(40)); err == nil {
		bars.Color, bars.LineStyle.Width = blue, 0
		p.Add(bars)
	}
	p.NominalX(names...)
	p.Y.Max = max(p.Y.Max, 1)
	return p
}

// draftsPlot is what became of AI and template drafts, with the share of
// incidents connected to AI in the title.
func draftsPlot(r Report) *plot.Plot {
	p := newPlot(fmt.Sprintf("Drafts: %s published, %s of those edited\nAI-related incidents: %s",
		percent(r.Drafts.ApprovalRatio), percent(r.Drafts.EditRatio), percent(r.AIShare)))
	p.Y.Label.Text = "drafts"
	p.Y.Min = 0
	cats := []string{"approved", "edited", "rejected", "waiting"}
	for i, src := range []struct {
		key, name string
		col       color.Color
	}{{"llm", "AI", blue}, {"template", "template", green}} {
		o := r.Drafts.BySource[src.key]
		vals := plotter.Values{float64(o.Approved), float64(o.Edited), float64(o.Rejected), float64(o.Pending)}
		bars, err := plotter.NewBarChart(vals, vg.Points(36))
		if err != nil {
			continue
		}
		bars.Color, bars.LineStyle.Width = src.col, 0
		bars.Offset = vg.Points(float64(i*2-1) * 19)
		p.Add(bars)
		p.Legend.Add(src.name, bars)
	}
	p.NominalX(cats...)
	p.Y.Max = max(p.Y.Max, 1) * 1.25
	return p
}

func durationOr(s Stat) string {
	if s.Count == 0 {
		return "n/a"
	}
	return duration(s.Median)
}
