// Command kallelse is the one binary: the scriptable CLI for operators and
// tests (and, as they land, the TUI, the background loop and the server).
// This package is wiring only: flags, configuration, the store, the service.
package main

import "os"

func main() {
	os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
}

// Set by the release build (see .goreleaser.yml).
var (
	version = "dev"
	commit  = ""
)
