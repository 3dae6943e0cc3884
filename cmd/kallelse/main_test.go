package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the real kallelse binary inside the
// scripts: `exec kallelse ...` runs Main in a separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kallelse": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())) },
	})
}

// TestScripts runs every CLI verb, its output and its error cases, from
// testdata/script/*.txtar. Run with -update to rewrite expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Setup: func(env *testscript.Env) error {
			env.Setenv("HOME", env.WorkDir)
			env.Setenv("XDG_DATA_HOME", filepath.Join(env.WorkDir, "data"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, "config"))
			env.Setenv("KALLELSE_USER", "anna")
			env.Setenv("KALLELSE_NOW", "2026-11-25T10:00")
			return nil
		},
	})
}
