// Package overview is the coordinators' page: key figures for a range of
// weeks, the open rate per examination, the weekly trend, a breakdown by
// examination, site, week, age band or channel group, and a drill-down to
// the summonses behind a row.
package overview
