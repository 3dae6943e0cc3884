package chart

import (
	"math"
	"strconv"
	"strings"

	"github.com/NimbleMarkets/ntcharts/canvas"
	"github.com/NimbleMarkets/ntcharts/linechart"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// Rates draws a share per period (0–1, NaN for none) as a line chart
// with axes: percentages up the side, the periods' labels along the bottom
// (ntcharts' linechart, drawn to w × h cells, labels included). A period
// without a value is left out of the line, never drawn as 0 %.
func Rates(c *common.Common, labels []string, rates []float64, w, h int) []string {
	n := len(rates)
	if n == 0 || w < 20 || h < 5 {
		return nil
	}
	maxX := float64(max(1, n-1))
	// The x labels are written below the axis by hand, each under its own
	// period: ntcharts spaces its labels evenly over the range, which puts
	// them between weeks and skips some.
	lc := linechart.New(w, h, 0, maxX, 0, 100,
		linechart.WithXYSteps(1, 2),
		linechart.WithStyles(c.Styles.Muted, c.Styles.Muted, c.Styles.Value),
		linechart.WithXLabelFormatter(func(int, float64) string { return "" }),
		linechart.WithYLabelFormatter(func(_ int, v float64) string {
			if c.Lang == i18n.English {
				return strconv.Itoa(int(math.Round(v))) + "%"
			}
			return strconv.Itoa(int(math.Round(v))) + " %"
		}),
	)
	lc.DrawXYAxisAndLabel()
	pt := func(i int) canvas.Float64Point { return canvas.Float64Point{X: float64(i), Y: rates[i] * 100} }
	for i, r := range rates {
		switch {
		case math.IsNaN(r):
		case i+1 < n && !math.IsNaN(rates[i+1]):
			lc.DrawBrailleLine(pt(i), pt(i+1))
		case i == 0 || math.IsNaN(rates[i-1]):
			lc.DrawRune(pt(i), '•') // a week alone between gaps
		}
	}
	lines := strings.Split(lc.View(), "\n")
	cols := make([]int, n)
	for i := range cols {
		cols[i] = lc.Origin().X + 1 + int(math.Round(lc.ScaleFloat64Point(canvas.Float64Point{X: float64(i)}).X))
	}
	lines[len(lines)-1] = c.Styles.Muted.Render(XLabels(labels, cols, w))
	return lines
}

// XLabels is the row of labels under the x axis: label i centred under
// column cols[i], every k-th period from the last back so that none
// touches the next (the latest period is always named).
func XLabels(labels []string, cols []int, w int) string {
	n := min(len(labels), len(cols))
	if n == 0 {
		return ""
	}
	widest := 0
	for _, l := range labels[:n] {
		widest = max(widest, len([]rune(l)))
	}
	k := 1
	for n > 1 && k < n && (cols[n-1]-cols[0])*k/(n-1) < widest+1 {
		k++
	}
	row := []rune(strings.Repeat(" ", w))
	next := w // the first column taken by a label already placed
	for i := n - 1; i >= 0; i -= k {
		l := []rune(labels[i])
		at := min(max(0, cols[i]-len(l)/2), w-len(l))
		if at < 0 || at+len(l) >= next+1 && i != n-1 {
			continue
		}
		copy(row[at:], l)
		next = at - 1
	}
	return strings.TrimRight(string(row), " ")
}
