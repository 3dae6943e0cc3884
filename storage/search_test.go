package storage

import (
	"context"
	"reflect"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
)

func names(ps []domain.Patient) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name())
	}
	return out
}

func TestSearchPatients(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tolvan := addPatient(t, s, "19121212-1212", "Tolvan Tolvansson")
	addPatient(t, s, pnrString(2012, 12, 12, 345), "Lilla My")
	addPatient(t, s, pnrString(1980, 5, 17, 123), "Anders  Öberg")
	karin := addPatient(t, s, pnrString(1966, 2, 3, 456), "Karin Andersson")
	addPatient(t, s, pnrString(1971, 7, 7, 789), "Åsa Ek-Lind")
	addPatient(t, s, pnrString(1990, 1, 30, 12), "José Pérez")
	addPatient(t, s, pnrString(1985, 6, 1, 234), "Søren Ærø")

	cases := []struct {
		query string
		limit int
		want  []string
	}{
		// Identity numbers, in the forms staff type them.
		{"19121212", 10, []string{"Tolvan Tolvansson"}},
		{"121212", 10, []string{"Tolvan Tolvansson", "Lilla My"}}, // both centuries, by canonical id
		{"121212", 1, []string{"Tolvan Tolvansson"}},
		{"191212121212", 10, []string{"Tolvan Tolvansson"}},
		{"19121212-1212", 10, []string{"Tolvan Tolvansson"}},
		{"121212-1212", 10, []string{"Tolvan Tolvansson"}},
		{" 1912 12 12-12", 10, []string{"Tolvan Tolvansson"}},
		{"1912", 10, []string{"Tolvan Tolvansson"}}, // as a prefix of the canonical id
		{"20121212", 10, []string{"Lilla My"}},
		{"800517", 10, []string{"Anders Öberg"}},
		{"99", 10, []string{}},
		{"19990101", 10, []string{}},
		// Names: word prefixes, any case, any accent.
		{"and", 10, []string{"Anders Öberg", "Karin Andersson"}},
		{"AND", 10, []string{"Anders Öberg", "Karin Andersson"}},
		{"andersson", 10, []string{"Karin Andersson"}},
		{"öbe", 10, []string{"Anders Öberg"}},
		{"obe", 10, []string{"Anders Öberg"}},
		{"Oberg", 10, []string{"Anders Öberg"}},
		{"an öb", 10, []string{"Anders Öberg"}},
		{"öb an", 10, []string{"Anders Öberg"}},
		{"ka and", 10, []string{"Karin Andersson"}},
		{"an ka ob", 10, []string{}},
		{"lind", 10, []string{"Åsa Ek-Lind"}},
		{"asa ek", 10, []string{"Åsa Ek-Lind"}},
		{"ek-lind", 10, []string{"Åsa Ek-Lind"}},
		{"perez", 10, []string{"José Pérez"}},
		{"PÉR jos", 10, []string{"José Pérez"}},
		{"soren aero", 10, []string{"Søren Ærø"}},
		{"a", 10, []string{"Anders Öberg", "Åsa Ek-Lind", "Karin Andersson", "Søren Ærø"}},
		{"a", 2, []string{"Anders Öberg", "Åsa Ek-Lind"}},
		{"to", 0, []string{"Tolvan Tolvansson"}},
		{"xyz", 10, []string{}},
		{"", 10, []string{}},
		{"  ", 10, []string{}},
		{"--", 10, []string{}},
	}
	for _, c := range cases {
		got, err := s.SearchPatients(ctx, c.query, c.limit)
		if err != nil {
			t.Errorf("SearchPatients(%q, %d): %v", c.query, c.limit, err)
			continue
		}
		if g := names(got); !reflect.DeepEqual(g, c.want) {
			t.Errorf("SearchPatients(%q, %d) = %q, want %q", c.query, c.limit, g, c.want)
		}
	}
	if _, err := s.SearchPatients(ctx, "and", -1); err == nil {
		t.Error("negative limit accepted")
	}

	// A new name replaces the old words in the index.
	in := karin.Input()
	in.Name = "Karin Berg"
	renamed, err := domain.NewPatient(in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertPatients(ctx, []domain.Patient{renamed}, t0, actor); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{
		"andersson": {}, "and": {"Anders Öberg"}, "berg": {"Karin Berg"}, "karin": {"Karin Berg"},
	} {
		if got, err := s.SearchPatients(ctx, q, 10); err != nil || !reflect.DeepEqual(names(got), want) {
			t.Errorf("after renaming: SearchPatients(%q) = %q, %v; want %q", q, names(got), err, want)
		}
	}
	if err := queryIndexErrors(s); err != nil {
		t.Error(err)
	}

	// A search reads only its candidates: a damaged record of another
	// patient is never read, the damaged one is named.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketPatients).Put([]byte(tolvan.ID().Canonical()), []byte("garbage"))
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SearchPatients(ctx, "and", 10); err != nil || len(got) != 1 {
		t.Errorf("search past the damaged record = %q, %v", names(got), err)
	}
	if _, err := s.SearchPatients(ctx, "tol", 10); err == nil || !strings.Contains(err.Error(), "patients/"+patientRef([]byte("191212121212"))) ||
		strings.Contains(err.Error(), "191212121212") {
		t.Errorf("search reaching the damaged record: err = %v, want one naming it", err)
	}
}

func TestSearchPatients_CommonWordIsBounded(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var ps []domain.Patient
	for i := 0; i < 2500; i++ {
		name := "Anna Svensson"
		if i%500 == 0 {
			name = "Anna Zetterlund"
		}
		ps = append(ps, mustPatient(t, mustID(t, pnrString(1950+i%50, 1+i/50%12, 1+i/600, i%1000)), name))
	}
	if _, err := s.UpsertPatients(ctx, ps, t0, actor); err != nil {
		t.Fatal(err)
	}
	got, err := s.SearchPatients(ctx, "anna", 5)
	if err != nil || len(got) != 5 {
		t.Fatalf("anna: %d, %v", len(got), err)
	}
	// The longest word is the one sought: all five Zetterlunds are found
	// although more patients are called Anna than a search reads.
	got, err = s.SearchPatients(ctx, "anna zetter", 10)
	if err != nil || len(got) != 5 {
		t.Errorf("anna zetter: %q, %v; want the five Zetterlunds", names(got), err)
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].ID().Canonical() >= got[i].ID().Canonical() {
			t.Errorf("same names not ordered by id: %v, %v", got[i-1].ID(), got[i].ID())
		}
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"Anders Öberg":        "anders oberg",
		"ÅSA  ek-LIND":        "asa ek lind",
		"José Pérez":          "jose perez",
		"Søren Ærø":           "soren aero",
		"Müller-Lüdenscheidt": "muller ludenscheidt",
		"  ":                  "",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := foldWords("Anders Anders Öberg"); !reflect.DeepEqual(got, []string{"anders", "oberg"}) {
		t.Errorf("foldWords = %q", got)
	}
}
