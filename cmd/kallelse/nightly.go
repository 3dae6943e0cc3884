package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/log"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
)

// nightlyRetry is how long after a failed nightly copy (a full disk, a
// folder gone) serve tries again: soon, but not at every tick.
const nightlyRetry = 10 * time.Minute

// nightly is serve's nightly copy of the database (backup.dir): taken at
// the first tick at or after backup.at (Stockholm) that follows the newest
// copy in the folder, so that a server that was down at that hour takes it
// at its next tick.
type nightly struct {
	store  *storage.Store
	dir    string
	keep   int
	at     time.Duration
	next   time.Time
	logger *log.Logger
	done   func(storage.BackupResult, error) // tests: see each attempt
}

func newNightly(st *storage.Store, dir string, keep int, at time.Duration, now time.Time, logger *log.Logger) (*nightly, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	n := &nightly{store: st, dir: dir, keep: keep, at: at, logger: logger}
	copies, err := storage.Backups(dir)
	if err != nil {
		return nil, err
	}
	since := now.Add(-24 * time.Hour)
	if len(copies) > 0 {
		if t, ok := backupTime(copies[len(copies)-1]); ok {
			since = t
		}
	}
	n.next = n.after(since)
	return n, nil
}

// backupTime reads the instant in a nightly copy's name.
func backupTime(path string) (time.Time, bool) {
	stamp := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "kallelse-"), "Z.db")
	t, err := time.Parse("20060102T150405", stamp)
	return t, err == nil
}

// after is the first backup.at strictly after t.
func (n *nightly) after(t time.Time) time.Time {
	lt := t.In(domain.Stockholm)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, domain.Stockholm)
	for {
		at := domain.AtClock(day, n.at)
		if at.After(t) {
			return at
		}
		day = day.AddDate(0, 0, 1)
	}
}

// maybe takes the copy when it is due.
func (n *nightly) maybe(ctx context.Context, now time.Time) {
	if now.Before(n.next) {
		return
	}
	res, removed, err := n.store.NightlyBackup(ctx, n.dir, n.keep, now)
	if err != nil {
		n.next = now.Add(nightlyRetry)
		n.logger.Error("nightly backup failed; trying again later", "dir", n.dir, "retry", n.next.Format(time.DateTime), "err", err)
	} else {
		n.next = n.after(now)
		n.logger.Info("nightly backup", "file", res.Path, "bytes", res.Bytes, "removed", len(removed), "next", n.next.Format(time.DateTime))
	}
	if n.done != nil {
		n.done(res, err)
	}
}
