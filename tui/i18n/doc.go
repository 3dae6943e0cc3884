// Package i18n is the one catalogue of what staff read, Swedish by default
// and English complete, with the words for the domain's codes (states,
// reasons, events, system notes, errors) and the formats of times and ages.
// The TUI and the CLI both ask it.
package i18n
