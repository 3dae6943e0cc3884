package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

func (a *app) checkCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "check [--json]",
		Short: "Check the database file: its pages, its indexes, timers, outbox, reports and logs",
		Long: `Check the whole database file: bbolt's own consistency check (every page
reachable once, the free list right), then Kallelse's invariants — every
index entry points to a record and every record is indexed; every timer is
in the due index; every waiting message is registered and belongs to a
booking; the reports' sums equal a recomputation from the events; the event
log and the access log have no gaps. Prints what is wrong (patients by a
short hash, never their identity number) and exits 6 when anything is.

It reads a consistent snapshot and can run while the loop runs (over SSH
while kallelse serve holds the file); bbolt's page check holds back writers
while it runs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			rep, err := st.Check(a.ctx)
			if err != nil {
				return err
			}
			if err := a.printCheck(st.Path(), rep, asJSON); err != nil {
				return err
			}
			if !rep.OK() {
				return &exitCodeError{code: exitDamaged, err: fmt.Errorf("check: %d problems in %s", len(rep.Problems)+rep.Omitted, st.Path())}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

type checkJSON struct {
	Path string `json:"path"`
	OK   bool   `json:"ok"`
	storage.CheckReport
}

func (a *app) printCheck(path string, rep storage.CheckReport, asJSON bool) error {
	if rep.Problems == nil {
		rep.Problems = []storage.Problem{}
	}
	if asJSON {
		return writeJSON(a.stdout, checkJSON{Path: path, OK: rep.OK(), CheckReport: rep})
	}
	fmt.Fprintf(a.stdout, "database %s, schema version %d\n", path, rep.SchemaVersion)
	fmt.Fprintf(a.stdout, "counted: %s\n", countedLine(rep.Counted))
	if rep.OK() {
		fmt.Fprintln(a.stdout, "OK: no problem found")
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(a.stdout, "PROBLEM %s: %s\n", p.Area, p.Detail)
	}
	if rep.Omitted > 0 {
		fmt.Fprintf(a.stdout, "… and %d more problems not listed\n", rep.Omitted)
	}
	return nil
}

func countedLine(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), m[k]))
	}
	return strings.Join(parts, ", ")
}

func (a *app) backupCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "backup FILE [--json]",
		Short: "Write a consistent copy of the database to FILE while it stays in use, and check the copy",
		Long: `Write a consistent copy of the database to FILE (one read transaction: the
loop and everyone's work go on): under a temporary name in FILE's folder,
mode 0600, synced to disk, checked as ` + "`kallelse check`" + ` does, and only then
renamed to FILE. A copy that does not pass is removed and the command fails.

While kallelse serve holds the file, run it over SSH as an admin; FILE is
then a path on the server and must be absolute. serve also takes one every
night when backup.dir is set (see the README, "Backup and restore").`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			if a.remote != nil && !filepath.IsAbs(args[0]) {
				return usageErr("backup %s: over SSH the file is on the server: give an absolute path", args[0])
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			res, err := st.BackupTo(a.ctx, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "backup: %s (%d bytes), checked: %s\n", res.Path, res.Bytes, countedLine(res.Check.Counted))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}
