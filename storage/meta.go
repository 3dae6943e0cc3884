package storage

import (
	"context"
	"fmt"

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
