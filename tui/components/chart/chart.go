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
	// A label every few periods, as many as fit: week labels are up to 4 wide.
	xStep := max(1, min(n-1, (w-6)/8))
	lc := linechart.New(w, h, 0, maxX, 0, 100,
		linechart.WithXYSteps(xStep, 2),
		linechart.WithStyles(c.Styles.Muted, c.Styles.Muted, c.Styles.Value),
		linechart.WithXLabelFormatter(func(_ int, v float64) string {
			i := int(math.Round(v))
			if i < 0 || i >= len(labels) {
				return ""
			}
			return labels[i]
		}),
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
	return strings.Split(lc.View(), "\n")
}
