package storage

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
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

// DefaultSearchRows is how many bookings SearchBookings returns when the
// query asks for 0.
const DefaultSearchRows = 50

// SearchBookings is a keystroke of the bookings screen's search, or a page
// of its results, in one read transaction (see domain.QueryStore): the
// bookings matching q of the patients the query finds, by visit time. The
// patients are found as SearchPatients finds them, from the index alone;
// each one's entries in idx_patient are walked within q's bounds, and only
// the q.Limit that come first over them all are kept — a patient's walk
// stops at the first entry that comes after the last one kept. Only the
// bookings kept and their patients are decoded. The cost follows the rows
// shown and the patients found, never the patients or bookings stored.
func (s *Store) SearchBookings(ctx context.Context, query string, patients int, at time.Time, q domain.BookingQuery) ([]domain.SearchRow, error) {
	if patients < 0 || q.Limit < 0 {
		return nil, fmt.Errorf("search bookings: limits %d, %d: negative", patients, q.Limit)
	}
	if patients == 0 {
		patients = DefaultSearchLimit
	}
	if q.Limit == 0 {
		q.Limit = DefaultSearchRows
	}
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, nil
	}
	var out []domain.SearchRow
	err := s.view(ctx, func(tx *bolt.Tx) error {
		ids, err := searchCandidateIDs(tx, query, patients)
		if err != nil || len(ids) == 0 {
			return err
		}
		w, err := newSearchWalk(tx, ids, q)
		if err != nil {
			return err
		}
		b := boundsOf(q)
		if at.IsZero() {
			if err := w.pick(b, q.Reverse, q.Limit); err != nil {
				return err
			}
		} else {
			// From at on; when that is not a page, the latest before at
			// make it up, in front.
			from := rawVisitKey(clampNanos(at), 0)
			fwd := b
			fwd.lo = maxKey(b.lo, from)
			if err := w.pick(fwd, false, q.Limit); err != nil {
				return err
			}
			later, earlier := w.picked, []searchPick(nil)
			if len(later) < q.Limit {
				back := b
				back.hi = minKey(b.hi, from)
				if err := w.pick(back, true, q.Limit-len(later)); err != nil {
					return err
				}
				earlier = w.picked
				slices.Reverse(earlier) // walked back from at
			}
			w.picked = append(earlier, later...)
		}
		out, err = w.rows()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("search bookings: %w", err)
	}
	return out, nil
}

// searchCandidateIDs is the canonical ids of the patients a search finds
// (at most limit, and those whose names fold as the last one's), read from
// the indexes alone. The slices point into tx's pages.
func searchCandidateIDs(tx *bolt.Tx, query string, limit int) ([][]byte, error) {
	if query[0] >= '0' && query[0] <= '9' {
		return idMatches(tx, query, limit)
	}
	found, n, err := nameMatches(tx, query, limit)
	if err != nil {
		return nil, err
	}
	ids := make([][]byte, n)
	for i, m := range found[:n] {
		ids[i] = m.id
	}
	return ids, nil
}

// searchWalk is one search's walk of idx_patient under each patient found,
// keeping the first bookings over them all.
type searchWalk struct {
	q        domain.BookingQuery
	ids      [][]byte // the patients found
	idx      *bolt.Cursor
	get      exactGetter // the bookings bucket
	r        keyRange    // re-aimed at each patient
	prefix   []byte
	picked   []searchPick // in walk order: ascending, or descending in reverse
	patients *bolt.Bucket
}

// searchPick is an index entry kept: its key points into the transaction's
// pages.
type searchPick struct {
	key []byte
	pat int // index into ids
}

// tail is the entry's <visit unix ns><id>.
func (p searchPick) tail() []byte { return p.key[len(p.key)-16:] }

func newSearchWalk(tx *bolt.Tx, ids [][]byte, q domain.BookingQuery) (*searchWalk, error) {
	idx, err := bucket(tx, bucketIdxPatient)
	if err != nil {
		return nil, err
	}
	bookings, err := bucket(tx, bucketBookings)
	if err != nil {
		return nil, err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return nil, err
	}
	return &searchWalk{q: q, ids: ids, idx: idx.Cursor(), get: exactGetter{bookings.Cursor()}, patients: patients}, nil
}

// pick keeps, in w.picked, the first limit entries within b (the last
// limit in reverse) of every patient's that pass w.q's filters.
func (w *searchWalk) pick(b visitBounds, reverse bool, limit int) error {
	w.picked = make([]searchPick, 0, min(limit, 64))
	// before is whether tail x comes before tail y in the walk's order.
	before := func(x, y []byte) bool {
		c := bytes.Compare(x, y)
		return c < 0 && !reverse || c > 0 && reverse
	}
	for pi, id := range w.ids {
		w.prefix = append(append(w.prefix[:0], id...), 0)
		w.r.set(w.prefix, b)
		err := w.r.walk(w.idx, reverse, func(k []byte) (bool, error) {
			if len(k) != len(w.prefix)+16 {
				return false, fmt.Errorf("idx_patient/%s: malformed key", patientRef(id))
			}
			tail := k[len(w.prefix):]
			if len(w.picked) == limit && !before(tail, w.picked[limit-1].tail()) {
				return false, nil // this patient's later entries come later still
			}
			if ok, err := w.passes(k); err != nil || !ok {
				return err == nil, err
			}
			i, _ := slices.BinarySearchFunc(w.picked, tail, func(p searchPick, t []byte) int {
				if before(p.tail(), t) {
					return -1
				}
				return 1
			})
			if len(w.picked) == limit {
				w.picked = w.picked[:limit-1]
			}
			w.picked = slices.Insert(w.picked, i, searchPick{key: k, pat: pi})
			return true, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// passes tells whether the booking an idx_patient entry names passes the
// filters other than the patient and the visit time: in place when the
// record's head tells, else decoded.
func (w *searchWalk) passes(k []byte) (bool, error) {
	q := w.q
	if q.Exam == "" && q.Site == "" && q.State == "" {
		return true, nil
	}
	bk := k[len(k)-8:]
	v := w.get.get(bk)
	if v == nil {
		return false, fmt.Errorf("idx_patient: entry for missing booking %s", keyString(bk))
	}
	q.Patient = domain.IdentityNumber{}
	if match, ok := bookingHeadMatches(v, q); ok && (!match || q.State == "") {
		return match, nil
	}
	snap, err := decodeBookingSnapshot(bk, v)
	if err != nil {
		return false, err
	}
	return matches(snap, q), nil
}

// rows decodes the bookings picked, in order, and each patient once.
func (w *searchWalk) rows() ([]domain.SearchRow, error) {
	out := make([]domain.SearchRow, len(w.picked))
	slab := make([]domain.Booking, len(w.picked))
	pats := make([]*domain.Patient, len(w.ids))
	for i, p := range w.picked {
		bk := p.key[len(p.key)-8:]
		v := w.get.get(bk)
		if v == nil {
			return nil, fmt.Errorf("idx_patient: entry for missing booking %s", keyString(bk))
		}
		snap, err := decodeBookingSnapshot(bk, v)
		if err != nil {
			return nil, err
		}
		if snap.Patient != string(w.ids[p.pat]) {
			return nil, fmt.Errorf("idx_patient/%s: entry for booking %s of another patient", patientRef(w.ids[p.pat]), snap.ID)
		}
		if err := domain.RehydrateBookingInto(&slab[i], snap); err != nil {
			return nil, fmt.Errorf("bookings/%s: %w", snap.ID, err)
		}
		if pats[p.pat] == nil {
			id := w.ids[p.pat]
			v := w.patients.Get(id)
			if v == nil {
				return nil, fmt.Errorf("idx_patient: entry for missing patient %s", patientRef(id))
			}
			pt, err := decodePatient(id, v)
			if err != nil {
				return nil, err
			}
			pats[p.pat] = &pt
		}
		out[i] = domain.SearchRow{Booking: &slab[i], Patient: pats[p.pat]}
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
	keys, err := idMatches(tx, q, limit)
	if err != nil {
		return nil, err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Patient, 0, len(keys))
	for _, k := range keys {
		p, err := decodePatient(k, patients.Get(k))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// idMatches is the first limit canonical ids an identity query stands for,
// in order; the slices point into tx's pages.
func idMatches(tx *bolt.Tx, q string, limit int) ([][]byte, error) {
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return nil, err
	}
	// The first limit ids of the union are among the first limit of each
	// prefix's range, so each range is read no further.
	var keys [][]byte
	c := patients.Cursor()
	for _, p := range idPrefixes(q) {
		n := 0
		for k, _ := c.Seek([]byte(p)); k != nil && bytes.HasPrefix(k, []byte(p)) && n < limit; k, _ = c.Next() {
			keys = append(keys, k)
			n++
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	keys = slices.CompactFunc(keys, bytes.Equal)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	return keys, nil
}

func searchByName(tx *bolt.Tx, q string, limit int) ([]domain.Patient, error) {
	found, n, err := nameMatches(tx, q, limit)
	if err != nil || n == 0 {
		return nil, err
	}
	patients, err := bucket(tx, bucketPatients)
	if err != nil {
		return nil, err
	}
	// Names that fold alike ("Åsa", "Asa") are ordered by the name as
	// written: the records of those tied with the last one returned are
	// read as well.
	type shown struct {
		nameMatch
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

// nameMatch is a patient a name search found: the folded name its index
// entry holds, and its canonical id.
type nameMatch struct{ folded, id []byte }

// nameMatches reads the name index for a name query: the patients found,
// ordered by folded name, then id, and how many of them a search of limit
// returns — limit, and those whose name folds as the last one's, so that
// the caller can order those by the name as written. The candidates and
// their folded names come from the index: the other words are checked on
// the name the entry holds, and no record is decoded. The matches point
// into the transaction's pages (nothing is copied per candidate); a
// patient found by two of its words is one match after sorting.
func nameMatches(tx *bolt.Tx, q string, limit int) ([]nameMatch, int, error) {
	words := foldWords(q)
	if len(words) == 0 {
		return nil, 0, nil
	}
	seek := words[0]
	for _, w := range words[1:] {
		if len(w) > len(seek) {
			seek = w
		}
	}
	idx, err := bucket(tx, bucketIdxPatientName)
	if err != nil {
		return nil, 0, err
	}
	found := make([]nameMatch, 0, 64)
	read := 0
	c := idx.Cursor()
	for k, v := c.Seek([]byte(seek)); k != nil && bytes.HasPrefix(k, []byte(seek)) && read < searchCandidates(limit); k, v = c.Next() {
		read++
		i := bytes.IndexByte(k, 0)
		if i < 0 || i == len(k)-1 {
			return nil, 0, fmt.Errorf("idx_patient_name/%s: malformed key", patientRef(k))
		}
		if everyWordBegins(words, v) {
			found = append(found, nameMatch{folded: v, id: k[i+1:]})
		}
	}
	slices.SortFunc(found, func(a, b nameMatch) int { return cmp.Or(bytes.Compare(a.folded, b.folded), bytes.Compare(a.id, b.id)) })
	found = slices.CompactFunc(found, func(a, b nameMatch) bool { return bytes.Equal(a.id, b.id) })
	n := min(len(found), limit)
	for n > 0 && n < len(found) && bytes.Equal(found[n].folded, found[n-1].folded) {
		n++
	}
	return found, n, nil
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
