package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	bolt "go.etcd.io/bbolt"
)

// TestMain lets the test binary act as the real kallelse binary inside the
// scripts: `exec kallelse ...` runs Main in a separate process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"kallelse": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())) },
		// status-of runs kallelse and prints its exit status instead of its output (errors still go to stderr), for the
		// scripts to check the exit-status table.
		// fsizelimit BYTES kallelse ARGS… runs kallelse with the file-size
		// limit set (RLIMIT_FSIZE): a write beyond it fails as on a full
		// disk (EFBIG; the Go runtime ignores SIGXFSZ).
		"fsizelimit": func() {
			n, err := strconv.ParseUint(os.Args[1], 10, 64)
			if err != nil || len(os.Args) < 3 || os.Args[2] != "kallelse" {
				fmt.Fprintln(os.Stderr, "usage: fsizelimit BYTES kallelse ARGS...")
				os.Exit(2)
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: n, Max: n}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(2)
			}
			os.Exit(Main(os.Args[3:], os.Stdin, os.Stdout, os.Stderr, os.Environ()))
		},
		"status-of": func() {
			fmt.Println(Main(os.Args[1:], os.Stdin, io.Discard, os.Stderr, os.Environ()))
			os.Exit(0)
		},
	})
}

// TestScripts runs every CLI verb, its output and its error cases, from
// testdata/script/*.txtar. Run with -update to rewrite expected output.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"truncate": cmdTruncate, "flipbit": cmdFlipBit, "append": cmdAppend,
			"schemaversion": cmdSchemaVersion},
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

// schemaversion FILE N marks a database as written at schema version N, as
// an older kallelse left it; the migrations since N then run at its next
// open (those that rewrite records in place find them already rewritten).
func cmdSchemaVersion(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: schemaversion FILE N")
	}
	n, err := strconv.ParseUint(args[1], 10, 64)
	ts.Check(err)
	db, err := bolt.Open(ts.MkAbs(args[0]), 0o600, nil)
	ts.Check(err)
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return errors.New("no meta bucket")
		}
		return meta.Put([]byte("schema_version"), binary.BigEndian.AppendUint64(nil, n))
	})
	ts.Check(errors.Join(err, db.Close()))
}

// truncate FILE SIZE cuts a file, as a full disk or a killed copy would.
func cmdTruncate(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: truncate FILE SIZE")
	}
	n, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	ts.Check(os.Truncate(ts.MkAbs(args[0]), n))
}

// flipbit FILE OFFSET flips the lowest bit of one byte, as a failing disk would.
func cmdFlipBit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbit FILE OFFSET")
	}
	off, err := strconv.ParseInt(args[1], 10, 64)
	ts.Check(err)
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_RDWR, 0)
	ts.Check(err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, off)
	ts.Check(err)
	b[0] ^= 1
	_, err = f.WriteAt(b, off)
	ts.Check(err)
}

// append FILE TEXT adds text to a file, creating it.
func cmdAppend(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: append FILE TEXT")
	}
	f, err := os.OpenFile(ts.MkAbs(args[0]), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	ts.Check(err)
	defer f.Close()
	_, err = f.WriteString(args[1])
	ts.Check(err)
}
