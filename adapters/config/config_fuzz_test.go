package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The seed corpora are in testdata/fuzz/FuzzLoadTOML and FuzzLoadEnv.
// Run: go test -run XXX -fuzz FuzzLoadTOML -fuzztime 2m -parallel 1 ./adapters/config

// FuzzLoadTOML loads arbitrary bytes as the config file: Load never
// panics, and either refuses them with an error that says where to look, or
// gives a configuration whose `config show` output loads to the same.
func FuzzLoadTOML(f *testing.F) {
	// One folder for the process: a fuzz worker runs one input at a time.
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file := filepath.Join(dir, "kallelse.toml")
		if err := os.WriteFile(file, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(Source{File: file, Required: true})
		checkLoaded(t, dir, c, err)
	})
}

// FuzzLoadEnv loads an arbitrary string, one KEY=value a line, as the
// environment, with the same invariants.
func FuzzLoadEnv(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, environ string) {
		c, err := Load(Source{Environ: strings.Split(environ, "\n")})
		checkLoaded(t, dir, c, err)
	})
}

func checkLoaded(t *testing.T, dir string, c *Config, err error) {
	t.Helper()
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "config file") && !strings.HasPrefix(msg, "environment variable ") &&
			!strings.HasPrefix(msg, "configuration: ") {
			t.Fatalf("the error does not say where to look: %v", err)
		}
		return
	}
	out, err := c.TOML()
	if err != nil {
		t.Fatalf("TOML of an accepted configuration: %v", err)
	}
	file := filepath.Join(dir, "shown.toml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := Load(Source{File: file, Required: true})
	if err != nil {
		t.Fatalf("the effective configuration does not load again: %v\n%s", err, out)
	}
	first, second := mapJSON(t, c), mapJSON(t, again)
	if first != second {
		t.Fatalf("round trip changed the configuration:\n%s\n---\n%s", first, second)
	}
}

// mapJSON is Map() as `config show --json` prints it: an int from the
// environment and an int64 from a file are the same number there.
func mapJSON(t *testing.T, c *Config) string {
	t.Helper()
	b, err := json.Marshal(c.Map())
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	return string(b)
}
