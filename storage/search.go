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
// word, at four times the rows it may show (it was twenty, 2,000 at least:
// with the records binary, reading 2,000 entries was most of a keystroke
// among half a million patients). When more patients than that have a word
// starting with the query's word, the search considers those whose word
// sorts first, and the user narrows it by typing more.
func searchCandidates(limit int) int { return max(4*limit, 200) }

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

// nameValue is what an idx_patient_name entry holds (since version 10): the
// patient's whole folded name, so that a search checks the query's other
// words and orders its matches by name from the index alone, and decodes
// only the records it returns.
func nameValue(p domain.PatientSnapshot) []byte { return []byte(foldName(p.Name)) }

// nameIndexBatch gathers the idx_patient_name changes of one transaction,
// the last change of a key winning, to apply them in key order. bbolt
// splits the nodes a transaction changes only when it commits, and inserting
// in the middle of a node moves the keys after it: many keys put in random
// order make a big import quadratic, the same keys in order do not.
type nameIndexBatch map[string][]byte // key -> value to put, or nil to delete

// change records the replacement of old's entries (nil for a new patient)
// by those of p.
func (nb nameIndexBatch) change(old *domain.PatientSnapshot, p domain.PatientSnapshot) {
	if old != nil {
		for _, k := range nameKeys(*old) {
			nb[string(k)] = nil
		}
	}
	v := nameValue(p)
	for _, k := range nameKeys(p) {
		nb[string(k)] = v
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
		if v := nb[k]; v != nil {
			err = idx.Put([]byte(k), v)
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
// searchCandidates(limit) of them), each candidate's folded name, which the
// entry holds, is checked against the other words, and only the records
// returned are decoded. The cost is what is read, never the number of
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

// SearchBookings is a keystroke of the bookings screen's search in one read
// transaction: the patients SearchPatients(query, patients) finds, in its
// order, each with its first bookings that match q (q.Patient and q.Limit
// are set per patient), by visit time — max(3, rows/patients found) of
// each, so that a query matching many patients shows a few bookings of
// each. It reads the index entries of the query, the records it returns
// and the bookings it shows: the cost follows the rows shown, not the
// patients or bookings stored.
func (s *Store) SearchBookings(ctx context.Context, query string, patients, rows int, q domain.BookingQuery) ([]domain.PatientBookings, error) {
	if patients < 0 || rows < 0 {
		return nil, fmt.Errorf("search bookings: limits %d, %d: negative", patients, rows)
	}
	if patients == 0 {
		patients = DefaultSearchLimit
	}
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	var out []domain.PatientBookings
	err := s.view(ctx, func(tx *bolt.Tx) error {
		var ps []domain.Patient
		var err error
		if query[0] >= '0' && query[0] <= '9' {
			ps, err = searchByID(tx, query, patients)
		} else {
			ps, err = searchByName(tx, query, patients)
		}
		if err != nil {
			return err
		}
		per := max(3, rows/max(1, len(ps)))
		out = make([]domain.PatientBookings, 0, len(ps))
		for _, p := range ps {
			pq := q
			pq.Patient, pq.Limit = p.ID(), per
			bs, err := queryBookings(tx, pq)
			if err != nil {
				return err
			}
			out = append(out, domain.PatientBookings{Patient: p, Bookings: bs})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search bookings: %w", err)
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
	// The candidates and their folded names come from the index: the other
	// words are checked on the name the entry holds, and only the patients
	// returned are decoded. The matches point into the transaction's pages
	// (nothing is copied per candidate); a patient found by two of its
	// words is one match after sorting.
	type match struct{ folded, id []byte }
	found := make([]match, 0, 64)
	read := 0
	c := idx.Cursor()
	for k, v := c.Seek([]byte(seek)); k != nil && bytes.HasPrefix(k, []byte(seek)) && read < searchCandidates(limit); k, v = c.Next() {
		read++
		i := bytes.IndexByte(k, 0)
		if i < 0 || i == len(k)-1 {
			return nil, fmt.Errorf("idx_patient_name/%s: malformed key", patientRef(k))
		}
		if everyWordBegins(words, v) {
			found = append(found, match{folded: v, id: k[i+1:]})
		}
	}
	slices.SortFunc(found, func(a, b match) int { return cmp.Or(bytes.Compare(a.folded, b.folded), bytes.Compare(a.id, b.id)) })
	found = slices.CompactFunc(found, func(a, b match) bool { return bytes.Equal(a.id, b.id) })
	// Names that fold alike ("Åsa", "Asa") are ordered by the name as
	// written: the records of those tied with the last one returned are
	// read as well.
	n := min(len(found), limit)
	for n > 0 && n < len(found) && bytes.Equal(found[n].folded, found[n-1].folded) {
		n++
	}
	type shown struct {
		match
		p domain.Patient
	}
	rows := make([]shown, n)
	for i, m := range found[:n] {
		v := patients.Get(m.id)
		if v == nil {
			return nil, fmt.Errorf("idx_patient_name: entry for missing patient %s", patientRef(m.id))
		}
		p, err := decodePatient(m.id, v)
		if err != nil {
			return nil, err
		}
		rows[i] = shown{m, p}
	}
	slices.SortFunc(rows, func(a, b shown) int {
		return cmp.Or(bytes.Compare(a.folded, b.folded), strings.Compare(a.p.Name(), b.p.Name()), bytes.Compare(a.id, b.id))
	})
	out := make([]domain.Patient, 0, min(n, limit))
	for _, r := range rows[:min(n, limit)] {
		out = append(out, r.p)
	}
	return out, nil
}

// everyWordBegins reports whether every query word begins some word of
// folded (words separated by single spaces), without allocating.
func everyWordBegins(query []string, folded []byte) bool {
	for _, q := range query {
		ok := false
		for w := folded; len(w) > 0; {
			end := bytes.IndexByte(w, ' ')
			if end < 0 {
				end = len(w)
			}
			if len(q) <= end && string(w[:len(q)]) == q {
				ok = true
				break
			}
			if end == len(w) {
				break
			}
			w = w[end+1:]
		}
		if !ok {
			return false
		}
	}
	return true
}
