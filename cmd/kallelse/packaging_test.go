package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/adapters/config"
)

// TestPackaging_TheInstalledConfigurationLoads: the file the packages put
// in /etc/kallelse loads as it is (no staff yet: a single-user start until
// the operator adds them), and the systemd unit runs what the CLI has.
func TestPackaging_TheInstalledConfigurationLoads(t *testing.T) {
	c, err := config.Load(config.Source{File: filepath.Join("packaging", "config.toml"), Required: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Listen != "127.0.0.1:23234" || c.Roster().Len() != 0 {
		t.Fatalf("listen %q, %d staff", c.Server.Listen, c.Roster().Len())
	}
	unit, err := os.ReadFile(filepath.Join("packaging", "kallelse.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ExecStart=/usr/bin/kallelse serve", "User=kallelse", "KALLELSE_CONFIG=/etc/kallelse/config.toml",
		"KALLELSE_DB=/var/lib/kallelse/kallelse.db", "ExecReload=/bin/kill -HUP $MAINPID", "UMask=0077"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %q", want)
		}
	}
	for _, script := range []string{"preinstall.sh", "postinstall.sh", "preremove.sh"} {
		fi, err := os.Stat(filepath.Join("packaging", script))
		if err != nil || fi.Mode().Perm()&0o100 == 0 {
			t.Errorf("%s: %v, mode %v", script, err, fi.Mode())
		}
	}
}
