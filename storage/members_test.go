package storage

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"

	bolt "go.etcd.io/bbolt"
	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain/metrics"
)

// A fact behind a report row reads back from its binary entry as it read
// back from the JSON kept before schema 13 — every field, drawn by
// reflection so that a field added to metrics.Fact and forgotten by its
// encoding fails here — and a cut or padded entry is refused.
func TestMemberRecord_ReadsBackAsItsJSONDid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var f metrics.Fact
		drawInto(t, reflect.ValueOf(&f).Elem(), "fact")
		js, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		key := memberKey(f, 0)
		fromJSON, err := decodeMember(key, js)
		if err != nil {
			t.Fatal(err)
		}
		data, err := encodeMember(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeMember(key, data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, fromJSON) {
			t.Fatalf("binary reads\n%#v\nJSON read\n%#v", got, fromJSON)
		}
		if len(data) > len(js) {
			t.Fatalf("binary %d bytes, JSON %d", len(data), len(js))
		}
		for cut := 0; cut < len(data); cut++ {
			if _, err := decodeMember(key, data[:cut]); err == nil {
				t.Fatalf("an entry cut to %d of %d bytes was read", cut, len(data))
			}
		}
		if _, err := decodeMember(key, append(data, 0)); err == nil {
			t.Fatal("an entry with a byte left over was read")
		}
	})
}

func TestMigration_V12ToCurrentWritesFactsInBinary(t *testing.T) {
	path := fillStore(t, true)
	want := map[string]metrics.Fact{} // the facts as the JSON of schema 12 read back
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		var err error
		if want, err = factsAsSchema12(tx); err != nil {
			return err
		}
		// Some entries binary already, as a stopped upgrade leaves them:
		// the migration rewrites the JSON ones.
		_, err = rewriteChunk(tx.Bucket(bucketAggMember), nil, 5, memberInBinary)
		return err
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) < 20 {
		t.Fatalf("%d facts: too few to rewrite in several transactions", len(want))
	}
	defer func(n int) { membersRewritten = n }(membersRewritten)
	membersRewritten = 7
	defer func(n int) { compactAfterMigration = n }(compactAfterMigration)
	compactAfterMigration = 1
	var steps []UpgradeStep
	s, err := Open(path, Options{noSync: true, Backup: true, Upgrading: func(st UpgradeStep) { steps = append(steps, st) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.SchemaVersion(); err != nil || v != currentSchemaVersion || v != 18 {
		t.Fatalf("version = %d, %v; want 18", v, err)
	}
	// The terminal is told each step, in order, before it starts.
	if len(steps) != 3 || steps[0].Step != UpgradeBackup || steps[1].Step != UpgradeMigrate || steps[2].Step != UpgradeCompact || steps[2].From != 12 ||
		steps[0].From != 12 || steps[1].From != 12 || steps[1].To != 18 {
		t.Fatalf("steps told: %+v", steps)
	}
	if _, err := os.Stat(steps[0].Backup); err != nil {
		t.Errorf("the backup named: %v", err)
	}
	n := 0
	err = s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAggMember).ForEach(func(k, v []byte) error {
			n++
			if v[0] == '{' {
				t.Errorf("agg_member/%q still JSON", k)
			}
			f, err := decodeMember(k, v)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(f, want[string(k)]) {
				t.Errorf("agg_member/%q reads\n%#v\nwas\n%#v", k, f, want[string(k)])
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("%d facts after the migration, %d before", n, len(want))
	}
	mustCheck(t, s)
}

// factsAsSchema12 rewrites every agg_member entry as schema 12 wrote it
// (JSON), marks the file as version 12 and returns the facts as that JSON
// reads back, by key.
func factsAsSchema12(tx *bolt.Tx) (map[string]metrics.Fact, error) {
	b := tx.Bucket(bucketAggMember)
	want := map[string]metrics.Fact{}
	var recs [][2][]byte
	if err := b.ForEach(func(k, v []byte) error {
		f, err := decodeMember(k, v)
		if err != nil {
			return err
		}
		js, err := json.Marshal(f)
		if err != nil {
			return err
		}
		var back metrics.Fact
		if err := json.Unmarshal(js, &back); err != nil {
			return err
		}
		want[string(k)] = back
		recs = append(recs, [2][]byte{append([]byte(nil), k...), js})
		return nil
	}); err != nil {
		return nil, err
	}
	for _, r := range recs {
		if err := b.Put(r[0], r[1]); err != nil {
			return nil, err
		}
	}
	return want, tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(12))
}
