// Package tui is the terminal interface staff use all day: a root model
// that routes messages to the page shown and keeps the title, status and
// key lines, laid out as soft-serve lays out its pkg/ui:
//
//	tui/                 the root: pages on a stack over the bookings list
//	  i18n/              the one message catalogue, Swedish and English
//	  common/            what every page shares: Common, keys, styles, messages
//	  components/        small models with no knowledge of pages:
//	    actions/         the booking actions and their questions
//	    confirm/         the yes/no question over the page
//	    chart/           the weekly trend as a line chart
//	  pages/             one package a page, each a common.Component:
//	    bookings/ detail/ form/ attention/ printqueue/ overview/ rollout/ patient/
//	  internal/tuitest/  test support: demo data, fakes, harnesses
//
// Update never blocks: storage and the service are reached through
// tea.Cmds, and changes made elsewhere arrive from the hub as messages.
package tui
