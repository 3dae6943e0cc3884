package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

// queryIndexErrors recomputes idx_patient_name and idx_attention from the
// records and reports the first difference from what is stored.
func queryIndexErrors(s *Store) error {
	return s.db.View(func(tx *bolt.Tx) error {
		var want [][]byte
		err := tx.Bucket(bucketPatients).ForEach(func(k, v []byte) error {
			var p domain.PatientSnapshot
			if err := decodePatientRecord(v, &p); err != nil {
				return err
			}
			want = append(want, nameKeys(p)...)
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(want, bytes.Compare)
		var got [][]byte
		_ = tx.Bucket(bucketIdxPatientName).ForEach(func(k, v []byte) error {
			got = append(got, slices.Clone(k))
			return nil
		})
		if !slices.EqualFunc(got, want, bytes.Equal) {
			return fmt.Errorf("idx_patient_name holds %q, the records say %q", got, want)
		}

		wantA := map[string]attentionEntry{}
		err = tx.Bucket(bucketBookings).ForEach(func(k, v []byte) error {
			snap, err := decodeBookingSnapshot(k, v)
			if err != nil {
				return err
			}
			if e, ok := attentionOf(snap); ok {
				wantA[keyString(k)] = e
			}
			return nil
		})
		if err != nil {
			return err
		}
		gotA := map[string]attentionEntry{}
		err = tx.Bucket(bucketIdxAttention).ForEach(func(k, v []byte) error {
			var e attentionEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("idx_attention/%s: %w", keyString(k), err)
			}
			gotA[keyString(k)] = e
			return nil
		})
		if err != nil {
			return err
		}
		same := len(gotA) == len(wantA)
		for k, w := range wantA {
			g, ok := gotA[k]
			same = same && ok && slices.Equal(g.Reasons, w.Reasons) && g.Since.Equal(w.Since)
		}
		if !same {
			return fmt.Errorf("idx_attention holds %v, the records say %v", gotA, wantA)
		}
		return nil
	})
}
