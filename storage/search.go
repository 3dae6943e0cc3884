package storage

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/text/unicode/norm"

	"github.com/kallelse/kallelse/domain"
)

// bucketIdxPatientName indexes patients by the words of their names (schema
// version 4): <folded word> 0x00 <canonical id> -> empty.
var bucketIdxPatientName = []byte("idx_patient_name")

var _ domain.QueryStore = (*Store)(nil)

// DefaultSearchLimit is how many patients SearchPatients returns when the
// caller asks for 0.
const DefaultSearchLimit = 50

// searchCandidates bounds how many index entries a name search reads for a
// given limit: the cost of a keystroke stays bounded however common the
// word. When more patients than that have a word starting with the query's
// word, the search considers those whose word sorts first, and the user
// narrows it by typing more.
func searchCandidates(limit int) int { return max(20*limit, 2000) }

// foldSpecial maps lower-case letters that carry no combining mark in NFD
// to what a Swedish user types for them.
var foldSpecial = map[rune]string{
	'ø': "o", 'æ': "ae", 'œ': "oe", 'ß': "ss", 'đ': "d", 'ł': "l", 'þ': "th", 'ð': "d", 'ı': "i",
}

// foldName lower-cases a name and strips its accents, keeping only letters
// and digits in words separated by single spaces: "Anders Öberg-Åhlén" is
// "anders oberg ahlen".
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue // the accent of a decomposed letter
		}
		r = unicode.ToLower(r)
		if rep, ok := foldSpecial[r]; ok {
			b.WriteString(rep)
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// foldWords is the words of foldName, each once, in the order first seen.
func foldWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(foldName(s)) {
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// nameKeys are the idx_patient_name entries of a patient record.
func nameKeys(p domain.PatientSnapshot) [][]byte {
	var out [][]byte
	for _, w := range foldWords(p.Name) {
		out = append(out, prefixed(w, []byte(p.ID)))
	}
	return out
}

// nameIndexBatch gathers the idx_patient_name changes of one transaction,
// the last change of a key winning, to apply them in key order. bbolt
// splits the nodes a transaction changes only when it commits, and inserting
// in the middle of a node moves the keys after it: many keys put in random
// order make a big import quadratic, the same keys in order do not.
type nameIndexBatch map[string]bool // key -> put (true) or delete (false)

// change records the replacement of old's entries (nil for a new patient)
// by those of p.
func (nb nameIndexBatch) change(old *domain.PatientSnapshot, p domain.PatientSnapshot) {
	if old != nil {
		for _, k := range nameKeys(*old) {
			nb[string(k)] = false
		}
	}
	for _, k := range nameKeys(p) {
		nb[string(k)] = true
	}
}

func (nb nameIndexBatch) apply(idx *bolt.Bucket) error {
	keys := make([]string, 0, len(nb))
	for k := range nb {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var err error
		if nb[k] {
			err = idx.Put([]byte(k), []byte{})
		} else {
			err = idx.Delete([]byte(k))
		}
		if err != nil {
			return fmt.Errorf("idx_patient_name/%s: %w", patientRef([]byte(k)), err)
		}
	}
	return nil
}

// SearchPatients finds patients as the user types (see
// domain.QueryStore.SearchPatients). A query starting with a digit is an
// identity number: separators are dropped; eight or more characters starting
// with 19 or 20 are a prefix of the canonical number, anything else is tried
// with both centuries in front and as it is. Other queries match names: the
// index entries of the query's longest word are read (at most
// searchCandidates(limit) of them) and each candidate's name is checked
// against the other words. The cost is what is read, never the number of
// patients stored.
func (s *Store) SearchPatients(ctx context.Context, query string, limit int) ([]domain.Patient, error) {
	if limit < 0 {
		return nil, fmt.Errorf("search patients: limit %d is negative", limit)
	}
	if limit == 0 {
		limit = DefaultSearchLimit
	}
	q := strings.TrimSpace(query)
	if q == "" {
		return nil, nil
	}
	var out []domain.Patient
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var err error
		if q[0] >= '0' && q[0] <= '9' {
			out, err = searchByID(tx, q, limit)
		} else {
			out, err = searchByName(tx, q, limit)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search patients: %w", err)
	}
	return out, nil
}

// idPrefixes are the canonical-number prefixes an identity query stands for.
func idPrefixes(q string) []string {
	id := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '-' || r == '+' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, q))
	if id == "" {
		return nil
	}
	if len(id) >= 8 && (strings.HasPrefix(id, "19") || strings.HasPrefix(id, "20")) {
		return []string{id}
	}
	return []string{"19" + id, "20" + id, id}
}

func searchByID(tx *bolt.Tx, q string, limit int) ([]domain.Patient, error) {
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return nil, err
	}
	// The first limit ids of the union are among the first limit of each
	// prefix's range, so each range is read no further.
	var keys []string
	for _, p := range idPrefixes(q) {
		c := patients.Cursor()
		n := 0
		for k, _ := c.Seek([]byte(p)); k != nil && bytes.HasPrefix(k, []byte(p)) && n < limit; k, _ = c.Next() {
			keys = append(keys, string(k))
			n++
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	out := make([]domain.Patient, 0, len(keys))
	for _, k := range keys {
		p, err := decodePatient([]byte(k), patients.Get([]byte(k)))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func searchByName(tx *bolt.Tx, q string, limit int) ([]domain.Patient, error) {
	words := foldWords(q)
	if len(words) == 0 {
		return nil, nil
	}
	seek := words[0]
	for _, w := range words[1:] {
		if len(w) > len(seek) {
			seek = w
		}
	}
	idx, err := bucket(tx, bucketIdxPatientName)
	if err != nil {
		return nil, err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return nil, err
	}
	var cands []string
	seen := map[string]bool{}
	c := idx.Cursor()
	for k, _ := c.Seek([]byte(seek)); k != nil && bytes.HasPrefix(k, []byte(seek)) && len(cands) < searchCandidates(limit); k, _ = c.Next() {
		i := bytes.IndexByte(k, 0)
		if i < 0 || i == len(k)-1 {
			return nil, fmt.Errorf("idx_patient_name/%s: malformed key", patientRef(k))
		}
		if id := string(k[i+1:]); !seen[id] {
			seen[id] = true
			cands = append(cands, id)
		}
	}
	type match struct {
		folded string
		p      domain.Patient
	}
	var found []match
	for _, id := range cands {
		v := patients.Get([]byte(id))
		if v == nil {
			return nil, fmt.Errorf("idx_patient_name: entry for missing patient %s", id)
		}
		p, err := decodePatient([]byte(id), v)
		if err != nil {
			return nil, err
		}
		if folded := foldName(p.Name()); allPrefixSome(words, strings.Fields(folded)) {
			found = append(found, match{folded, p})
		}
	}
	slices.SortFunc(found, func(a, b match) int {
		return cmp.Or(strings.Compare(a.folded, b.folded), strings.Compare(a.p.Name(), b.p.Name()),
			strings.Compare(a.p.ID().Canonical(), b.p.ID().Canonical()))
	})
	out := make([]domain.Patient, 0, min(len(found), limit))
	for _, m := range found[:min(len(found), limit)] {
		out = append(out, m.p)
	}
	return out, nil
}

// allPrefixSome reports whether every query word begins some name word.
func allPrefixSome(query, name []string) bool {
	for _, q := range query {
		if !slices.ContainsFunc(name, func(w string) bool { return strings.HasPrefix(w, q) }) {
			return false
		}
	}
	return true
}
