// Package attention is the page of what needs a person: patients' rebook
// and cancel requests, phone and hand-over tasks, deliveries that keep
// failing and receipts put in quarantine.
package attention
