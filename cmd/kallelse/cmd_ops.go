package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
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
				return &exitCodeError{code: exitDamaged, err: errT("cli_err_check", len(rep.Problems)+rep.Omitted, st.Path())}
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

// checkJSONOf is a check report as the README documents it, the same in
// check, backup and restore: path and ok beside the report, and problems
// a list even when there are none.
func checkJSONOf(path string, rep storage.CheckReport) checkJSON {
	if rep.Problems == nil {
		rep.Problems = []storage.Problem{}
	}
	return checkJSON{Path: path, OK: rep.OK(), CheckReport: rep}
}

func (a *app) printCheck(path string, rep storage.CheckReport, asJSON bool) error {
	if rep.Problems == nil {
		rep.Problems = []storage.Problem{}
	}
	if asJSON {
		return writeJSON(a.stdout, checkJSONOf(path, rep))
	}
	fmt.Fprintln(a.stdout, a.T("cli_check_database", path, rep.SchemaVersion))
	if len(rep.Counted) > 0 { // none when the pages failed: nothing further was read
		fmt.Fprintln(a.stdout, a.T("cli_check_counted", a.countedLine(rep.Counted)))
	}
	if rep.OK() {
		fmt.Fprintln(a.stdout, a.T("cli_check_ok"))
		return nil
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(a.stdout, a.T("cli_check_problem", p.Area, p.Detail))
	}
	if rep.Omitted > 0 {
		fmt.Fprintln(a.stdout, a.T("cli_check_omitted", rep.Omitted))
	}
	return nil
}

// countedLine says what check counted, each kind of record in words (the
// keys are storage's; one the catalogue lacks shows as it is).
func (a *app) countedLine(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		name := strings.ReplaceAll(k, "_", " ")
		if i18n.Has("cli_cnt_" + k) {
			name = a.T("cli_cnt_" + k)
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
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
				return usageT("cli_err_backup_path", args[0])
			}
			st, err := a.openStore()
			if err != nil {
				return err
			}
			if a.spoolNames(args[0]) && !spoolfs.SameFile(args[0], st.Path()) { // itself: said below
				return usageT("cli_err_backup_live", args[0])
			}
			res, err := st.BackupTo(a.ctx, args[0])
			if errors.Is(err, storage.ErrBackupOntoDatabase) {
				return usageT("cli_err_backup_self", args[0]) // by any path to it
			}
			var te *storage.BackupTargetError
			if errors.As(err, &te) {
				return usageT("cli_err_backup_target_"+te.Reason, args[0], filepath.Dir(te.Path))
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, struct {
					Path  string    `json:"path"`
					Bytes int64     `json:"bytes"`
					Check checkJSON `json:"check"`
				}{res.Path, res.Bytes, checkJSONOf(res.Path, res.Check)})
			}
			fmt.Fprintln(a.stdout, a.T("cli_backup_done", res.Path, res.Bytes, a.countedLine(res.Check.Counted)))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func (a *app) restoreCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "restore BACKUP [--json]",
		Short: "Put a backup back as the database (the server stopped), keeping the old file aside",
		Long: `Put a backup back in place of the database (--db): the backup is checked
first and refused if it does not pass; the file it replaces is kept as
<db>.before-restore-<time> (even a damaged one: it is evidence); the copy is
written under a temporary name, synced and renamed into place, mode 0600.

The work done after the backup was taken is gone from the database, but its
letters and messages may be in the spool folders. So that nothing made after
the restore takes one of their ids, the booking ids move past the highest id
found in the spool and every booking's message numbers move on by 1000.

kallelse serve (or a TUI) must be stopped first: the command refuses a file
that is in use (exit 5).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := a.localOnly("restore", "cli_why_restore_local"); err != nil {
				return err
			}
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			res, err := a.restore(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, struct {
					restoreResult
					Check checkJSON `json:"check"`
				}{res, checkJSONOf(res.Path, res.Check)})
			}
			if res.KeptAs != "" {
				fmt.Fprintln(a.stdout, a.T("cli_restore_kept", res.KeptAs))
			}
			fmt.Fprintln(a.stdout, a.T("cli_restore_done", res.Path, res.From, res.After.Bookings, res.After.NextBookingID,
				a.countedLine(res.Check.Counted)))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

func (a *app) compactCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "compact [--json]",
		Short: "Write the database file anew without its free pages (the server stopped)",
		Long: `Write the database file (--db) anew, every page full and none free, and
put the copy in place of the file once it holds the same number of keys in
every bucket. A bbolt file never gives pages back: after a migration, a
restore, a large import or a report rebuild it holds many free pages, which
take room and which every open reads. A file changed one booking at a time
needs no compacting.

kallelse serve (or a TUI) must be stopped first: the command refuses a file
that is in use (exit 5). Take a backup first, as before any operation on
the file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.localOnly("compact", "cli_why_restore_local"); err != nil {
				return err
			}
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			path := a.dbPath
			if path == "" {
				path = a.defaultDBPath()
			}
			res, err := storage.Compact(a.ctx, path)
			if errors.Is(err, storage.ErrNoDatabase) {
				return invalidT("cli_err_no_database_at", path)
			}
			if err != nil {
				return a.inUseError(err)
			}
			if asJSON {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintln(a.stdout, a.T("cli_compact_done", res.Path, res.BytesBefore, res.BytesAfter, res.FreeBefore, res.Keys))
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return c
}

type restoreResult struct {
	Path   string                `json:"path"`
	From   string                `json:"from"`
	KeptAs string                `json:"kept_as,omitempty"`
	After  storage.RestoreReport `json:"after"`
	Check  storage.CheckReport   `json:"check"`
}

func (a *app) restore(backup string) (restoreResult, error) {
	path := a.dbPath
	if path == "" {
		path = a.defaultDBPath()
	}
	res := restoreResult{Path: path, From: backup}
	if abs1, _ := filepath.Abs(path); abs1 != "" {
		if abs2, _ := filepath.Abs(backup); abs1 == abs2 {
			return res, usageT("cli_err_restore_self", backup)
		}
	}
	// The database is a file, or none yet: a folder named by --db (the
	// data folder, with the host key and the spool) is never moved aside.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		return res, invalidT("cli_err_restore_not_file", path)
	}
	// The database must not be in use; damaged or missing is why one restores.
	if cur, err := storage.Open(path, storage.Options{MustExist: true, Timeout: storage.DefaultTimeout}); err == nil {
		_ = cur.Close()
	} else if errors.Is(err, storage.ErrDatabaseInUse) {
		return res, a.inUseError(err)
	}
	// The backup must be whole.
	bk, err := storage.Open(backup, storage.Options{MustExist: true, Timeout: storage.DefaultTimeout})
	if err != nil {
		return res, errT("cli_err_restore_backup", backup, err)
	}
	rep, err := bk.Check(a.ctx)
	_ = bk.Close()
	if err != nil {
		return res, errT("cli_err_restore_checking", backup, err)
	}
	if !rep.OK() {
		return res, &exitCodeError{code: exitDamaged, err: errT("cli_err_restore_damaged", backup, len(rep.Problems)+rep.Omitted, backup)}
	}
	clk, err := a.clock()
	if err != nil {
		return res, err
	}
	if _, err := os.Stat(path); err == nil {
		res.KeptAs = path + ".before-restore-" + clk.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(path, res.KeptAs); err != nil {
			return res, errT("cli_err_restore_keep", err)
		}
	}
	if err := copyFileSynced(backup, path); err != nil {
		return res, errT("cli_err_restore", err)
	}
	st, err := a.openStore()
	if err != nil {
		return res, err
	}
	if _, err := a.loadConfig(); err != nil {
		return res, err
	}
	seen, err := spoolfs.HighestBookingID(a.spoolDir())
	if err != nil {
		return res, errT("cli_err_restore_spool", err)
	}
	if res.After, err = st.AfterRestore(a.ctx, seen); err != nil {
		return res, err
	}
	if res.Check, err = st.Check(a.ctx); err != nil {
		return res, err
	}
	if !res.Check.OK() {
		return res, &exitCodeError{code: exitDamaged, err: errT("cli_err_restore_after")}
	}
	return res, nil
}

// copyFileSynced copies src to dst through a temporary file in dst's
// folder, synced and renamed, mode 0600.
func copyFileSynced(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".tmp-restore-*.db")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// spoolNames reports whether a spool folder names target as its database:
// the configured one, or the one a database at target has by default. Such
// a file is a database in use — the original of the one opened, closed
// just now — never an earlier backup that a new one may replace, though
// its identity is the same.
func (a *app) spoolNames(target string) bool {
	dirs := []string{filepath.Join(filepath.Dir(target), "spool"),
		filepath.Join(filepath.Dir(target), strings.TrimSuffix(filepath.Base(target), filepath.Ext(target))+"-spool")}
	if a.cfg != nil && a.cfg.Spool.Dir != "" {
		dirs = append(dirs, a.cfg.Spool.Dir)
	}
	for _, dir := range dirs {
		if _, path, err := spoolfs.Owner(dir); err == nil && path != "" && spoolfs.SameFile(path, target) {
			return true
		}
	}
	return false
}
