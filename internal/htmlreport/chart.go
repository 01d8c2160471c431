package htmlreport

import (
	"math"
	"strconv"

	"github.com/sdetl/sdetl/internal/kpi"
)

// chart is an inline SVG bar chart, laid out here and drawn by the template.
type chart struct {
	Title  string
	W, H   float64
	Rects  []rect
	Texts  []text
	Legend []legend
}

type rect struct {
	X, Y, W, H float64
	Fill, Tip  string
}

type text struct {
	X, Y          float64
	S, Anchor, Cl string
}

type legend struct{ Label, Fill string }

// The palette: one colour per series (colour-blind safe).
var palette = []string{"#8c96a8", "#2f6db5", "#1b9e77"}

// hbars lays out horizontal bars: one group per label, one bar per series, on a 0..max axis.
// The axis starts at lo, which is labelled.
func hbars(title string, labels []string, series [][]float64, names []string, lo, max float64, format func(float64) string) *chart {
	const left, right, barH, gap, top = 190.0, 70.0, 14.0, 10.0, 22.0
	c := &chart{Title: title, W: 760}
	if max <= lo {
		max = lo + 1
	}
	plot := c.W - left - right
	c.Texts = append(c.Texts, text{X: left, Y: 12, S: format(lo), Anchor: "start", Cl: "v"}, text{X: left + plot, Y: 12, S: format(max), Anchor: "end", Cl: "v"})
	y := top
	for i, l := range labels {
		groupH := barH * float64(len(series))
		c.Texts = append(c.Texts, text{X: left - 8, Y: y + groupH/2 + 4, S: l, Anchor: "end"})
		for s := range series {
			v := series[s][i]
			w := plot * (v - lo) / (max - lo)
			if w < 1 {
				w = 1
			}
			tip := l + ": " + format(v)
			if len(names) > 1 {
				tip = names[s] + " " + tip
			}
			fill := palette[s%len(palette)]
			if len(series) == 1 {
				fill = "#c0683a"
			}
			c.Rects = append(c.Rects, rect{X: left, Y: y, W: w, H: barH - 2, Fill: fill, Tip: tip})
			c.Texts = append(c.Texts, text{X: left + w + 4, Y: y + barH - 4, S: format(v), Anchor: "start", Cl: "v"})
			y += barH
		}
		y += gap
	}
	c.H = y + 8
	c.Rects = append(c.Rects, rect{X: left, Y: top - 4, W: 1, H: y - top, Fill: "#5a6475"})
	if len(names) > 1 {
		for s, n := range names {
			c.Legend = append(c.Legend, legend{n, palette[s%len(palette)]})
		}
	}
	return c
}

// scoreChart: each category's score before cleaning, after cleaning and after load.
func scoreChart(scores []Score) *chart {
	var labels, names []string
	var series [][]float64
	for _, s := range scores {
		if s.Report == nil {
			continue
		}
		if labels == nil {
			for _, c := range s.Report.Categories {
				labels = append(labels, c.Name)
			}
		}
		vals := make([]float64, len(labels))
		for _, c := range s.Report.Categories {
			for i, l := range labels {
				if l == c.Name {
					vals[i] = 100 * c.Score
				}
			}
		}
		names, series = append(names, s.Label), append(series, vals)
	}
	if len(labels) == 0 {
		return nil
	}
	// The axis starts a little below the lowest score (in steps of 5), so that a category
	// losing a few tenths of a point shows; its start is labelled.
	lo := 100.0
	for _, vs := range series {
		for _, v := range vs {
			lo = min(lo, v)
		}
	}
	lo = max(0, 5*math.Floor(lo/5)-5)
	return hbars("Quality score by category", labels, series, names, lo, 100, func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) })
}

// quarantineChart: quarantined rows by rule.
func quarantineChart(q []QuarantineRule) *chart {
	if len(q) == 0 {
		return nil
	}
	var labels []string
	var vals []float64
	max := 0.0
	for _, r := range q {
		labels, vals = append(labels, r.Rule), append(vals, float64(r.Rows))
		max = maxf(max, float64(r.Rows))
	}
	return hbars("Quarantined rows by rule", labels, [][]float64{vals}, nil, 0, max, func(v float64) string { return thousands(int64(v)) })
}

// volumeChart: tickets per month (KPI 11, monthly_volume), as vertical bars.
func volumeChart(rs []kpi.Result) *chart {
	var months []string
	var vals []float64
	for _, r := range rs {
		if r.Name != "monthly_volume" {
			continue
		}
		for _, row := range r.Rows {
			if len(row.Labels) > 0 && len(row.Values) > 0 && row.Values[0] != nil {
				months, vals = append(months, row.Labels[0]), append(vals, *row.Values[0])
			}
		}
	}
	if len(months) == 0 {
		return nil
	}
	const h, bottom, top = 220.0, 30.0, 20.0
	c := &chart{Title: "Tickets per month (KPI 11)", W: 760, H: h}
	max := 0.0
	for _, v := range vals {
		max = maxf(max, v)
	}
	if max <= 0 {
		max = 1
	}
	slot := (c.W - 40) / float64(len(months))
	bw := min(slot*0.7, 90)
	for i, v := range vals {
		bh := (h - bottom - top) * v / max
		x := 20 + slot*float64(i) + (slot-bw)/2
		y := h - bottom - bh
		c.Rects = append(c.Rects, rect{X: x, Y: y, W: bw, H: bh, Fill: palette[1], Tip: months[i] + ": " + thousands(int64(v))})
		c.Texts = append(c.Texts, text{X: x + bw/2, Y: y - 5, S: thousands(int64(v)), Anchor: "middle", Cl: "v"},
			text{X: x + bw/2, Y: h - bottom + 16, S: months[i], Anchor: "middle"})
	}
	return c
}

func maxf(a, b float64) float64 {
	if b > a {
		return b
	}
	return a
}
