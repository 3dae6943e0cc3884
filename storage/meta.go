package storage

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// metaAppPrefix keeps labels that the application sets (such as the demo's
// mark) apart from the store's own meta keys.
const metaAppPrefix = "app."

// Meta returns the application label stored under key, or "" when none is.
func (s *Store) Meta(key string) (string, error) {
	var v string
	err := s.view(context.Background(), func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		v = string(b.Get([]byte(metaAppPrefix + key)))
		return nil
	})
	return v, err
}

// SetMeta stores an application label under key.
func (s *Store) SetMeta(key, value string) error {
	return s.update(context.Background(), func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMeta)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(metaAppPrefix+key), []byte(value)); err != nil {
			return fmt.Errorf("meta %s: %w", key, err)
		}
		return nil
	})
}

// PeekMeta reads the application label key of the database at path, and
// whether it holds any patient or booking, without migrating or changing
// anything (bbolt read-only): the demo asks it before it opens a file it
// may have to refuse, so that a mistyped --db never upgrades the clinic's
// file. No file: "", false, nil. A damaged file is refused as Open
// refuses it.
func PeekMeta(path, key string) (value string, hasData bool, err error) {
	exists, err := inspectFile(path)
	if err != nil || !exists {
		return "", false, err
	}
	err = peek(path, DefaultTimeout, func(tx *bolt.Tx) error {
		if m := tx.Bucket(bucketMeta); m != nil {
			value = string(m.Get([]byte(metaAppPrefix + key)))
		}
		for _, name := range [][]byte{bucketPatients, bucketBookings} {
			if b := tx.Bucket(name); b != nil {
				if k, _ := b.Cursor().First(); k != nil {
					hasData = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return value, hasData, nil
}

// peek opens the existing database file at path read-only (waiting at
// most timeout for a writer's lock) and calls fn in a read transaction; a
// damaged file is refused as Open refuses it, never crashed on.
func peek(path string, timeout time.Duration, fn func(tx *bolt.Tx) error) (err error) {
	var db *bolt.DB
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = damagedByPanic(path, r)
		}
		if db != nil {
			_ = db.Close()
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		db = nil
		return openError(path, err)
	}
	if why, err := walkRootPages(path, db.Info().PageSize); err != nil {
		return openError(path, err)
	} else if why != "" {
		return &DamagedError{Path: path, Reason: "its list of buckets is damaged (" + why + "); restore it from a backup"}
	}
	return db.View(fn)
}
