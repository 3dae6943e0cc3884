// Package chart draws the overview's weekly trend with ntcharts: a line
// with axes and labels, sized to the room it is given.
package chart
