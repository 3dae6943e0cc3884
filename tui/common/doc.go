// Package common is what every page and component shares: the Common value
// (the service, the language, the styles and keys of this terminal, its
// size), the ports the TUI reads through, the messages pages send the root,
// and the small view helpers and figure formats used on every page.
package common
