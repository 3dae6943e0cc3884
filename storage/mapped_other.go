//go:build !linux

package storage

import bolt "go.etcd.io/bbolt"

// releaseMapped does nothing here: the clinic's server is Linux (see
// mapped_linux.go).
func (s *Store) releaseMapped() {}

// releaseMappedIn does nothing here.
func releaseMappedIn(*bolt.Tx) error { return nil }
