package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// The database's folder reached through a symbolic link (a data folder
// linked into /srv, say): `kallelse backup /srv/kallelse/kallelse.db`
// names the database itself, but the textual comparison of absolute paths
// does not see it; the copy is renamed over the live file, and what the
// server writes after it goes into an unlinked inode.
func TestBackup_OntoTheDatabaseThroughALinkedFolderIsRefused(t *testing.T) {
	root := t.TempDir()
	real := filepath.Join(root, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(root, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(real, "kallelse.db")
	s, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	p := pnrString(1912, 12, 12, 121)
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "anna", p, t0, domain.AccessViewPatient)}); err != nil {
		t.Fatal(err)
	}
	_, berr := s.BackupTo(ctx, filepath.Join(link, "kallelse.db"))
	if err := s.LogAccess(ctx, []domain.AccessEntry{accessEntry(t, "anna", p, t0.Add(time.Hour), domain.AccessViewPatient)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2, err := Open(path, Options{noSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	n, _, _ := s2.AccessStats(ctx)
	if n != 2 {
		t.Fatalf("backup err %v; after reopening the database holds %d access entries, want 2: the write after the backup is lost", berr, n)
	}
}
