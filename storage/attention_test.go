package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/binrec"
)

// fire runs the loop's FireDue at now through the store, as the loop does.
func fire(t *testing.T, s *Store, now time.Time) {
	t.Helper()
	_, failed, err := s.FireDue(context.Background(), now, 100, nil, func(b *domain.Booking, p domain.Patient) error {
		return b.FireDue(fireEnv(p, examOf(b.Exam()), now))
	})
	if err != nil || len(failed) > 0 {
		t.Fatalf("FireDue: %v, %v", err, failed)
	}
}

func receipt(t *testing.T, s *Store, id domain.BookingID, typ domain.ReceiptType, at time.Time) {
	t.Helper()
	b, err := s.Booking(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	r := domain.Receipt{MessageID: b.Status().MessageID, Type: typ, At: at}
	if _, err := s.ApplyReceipt(context.Background(), r, func(b *domain.Booking, p domain.Patient, _ domain.SentMessage) error {
		return b.ApplyReceipt(r, fireEnv(p, examOf(b.Exam()), at))
	}); err != nil {
		t.Fatalf("receipt %s for booking %d: %v", typ, id, err)
	}
}

type attn struct {
	id      domain.BookingID
	reasons []string
	since   time.Time
}

func checkAttention(t *testing.T, s *Store, limit int, want ...attn) {
	t.Helper()
	got, err := s.Attention(context.Background(), limit)
	if err != nil {
		t.Fatal(err)
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = got[i].Booking.ID() == want[i].id && reflect.DeepEqual(got[i].Reasons, want[i].reasons) && got[i].Since.Equal(want[i].since)
	}
	if !ok {
		var g []attn
		for _, it := range got {
			g = append(g, attn{it.Booking.ID(), it.Reasons, it.Since})
		}
		t.Errorf("Attention(%d) = %v, want %v", limit, g, want)
	}
	if err := queryIndexErrors(s); err != nil {
		t.Error(err)
	}
}

func TestAttention_FollowsTheBookings(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	q := addPatient(t, s, pnrString(1992, 9, 9, 999), "Quintus Qvist")
	day := 24 * time.Hour
	// Digital summonses, for receipts to come back.
	rebook := book(t, s, p, examECG, siteRyhov, t0.Add(5*day))
	cancel := book(t, s, q, examECG, siteRyhov, t0.Add(6*day))
	// Paper only (the exam is not digital) one day ahead: no letter can
	// arrive in time, so sending the summons raises a phone task at once.
	phone := book(t, s, p, examEcho, siteVarnamo, t0.Add(day+2*time.Hour))
	quiet := book(t, s, q, examTest, siteRyhov, t0.Add(7*day))
	checkAttention(t, s, 0)

	fire(t, s, t0)
	checkAttention(t, s, 0, attn{phone.ID(), []string{domain.AttentionPhoneTask}, t0})

	receipt(t, s, rebook.ID(), domain.ReceiptRebookRequested, t0.Add(2*time.Hour))
	receipt(t, s, cancel.ID(), domain.ReceiptRebookRequested, t0.Add(time.Hour))
	receipt(t, s, cancel.ID(), domain.ReceiptCancelRequested, t0.Add(3*time.Hour))
	receipt(t, s, quiet.ID(), domain.ReceiptOpened, t0.Add(time.Hour))
	// Since is when each began to need staff: the cancel request followed
	// a rebook request of the same booking, which has waited since that.
	all := []attn{
		{phone.ID(), []string{domain.AttentionPhoneTask}, t0},
		{cancel.ID(), []string{domain.AttentionCancelRequested}, t0.Add(time.Hour)},
		{rebook.ID(), []string{domain.AttentionRebookRequested}, t0.Add(2 * time.Hour)},
	}
	checkAttention(t, s, 0, all...)
	checkAttention(t, s, 2, all[:2]...)

	// Handling each one takes it off the list.
	update := func(id domain.BookingID, fn func(b *domain.Booking, others []*domain.Booking) error) {
		t.Helper()
		if _, err := s.UpdateBooking(ctx, id, fn); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(4 * time.Hour)
	update(cancel.ID(), func(b *domain.Booking, _ []*domain.Booking) error { return b.Cancel(now, actor, "") })
	checkAttention(t, s, 0, all[0], all[2])
	update(rebook.ID(), func(b *domain.Booking, others []*domain.Booking) error {
		return b.Rebook(t0.Add(8*day), now, actor, others)
	})
	checkAttention(t, s, 0, all[:1]...)
	update(phone.ID(), func(b *domain.Booking, _ []*domain.Booking) error { return b.ResolvePhoneTask(now, actor, "reached") })
	checkAttention(t, s, 0)

	if _, err := s.Attention(ctx, -1); err == nil {
		t.Error("negative limit accepted")
	}
}

func TestAttention_ReadsOnlyWhatNeedsAttention(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	for i := 0; i < 5; i++ {
		book(t, s, p, examECG, siteRyhov, t0.Add(time.Duration(i+1)*48*time.Hour))
	}
	phone := book(t, s, p, examEcho, siteRyhov, t0.Add(30*time.Hour))
	fire(t, s, t0)
	if err := s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBookings).Put(u64(2), []byte("garbage"))
	}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Attention(context.Background(), 0)
	if err != nil || len(got) != 1 || got[0].Booking.ID() != phone.ID() {
		t.Fatalf("Attention = %v, %v", got, err)
	}
}

func TestFailingOutboxAndRetry(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	book(t, s, p, examECG, siteRyhov, t0.Add(5*24*time.Hour))
	book(t, s, p, examTest, siteRyhov, t0.Add(6*24*time.Hour))
	fire(t, s, t0)
	pending, err := s.PendingOutbox(ctx, t0, 0)
	if err != nil || len(pending) != 2 {
		t.Fatalf("PendingOutbox = %v, %v; want two summonses", pending, err)
	}
	if f, err := s.FailingOutbox(ctx, 1); err != nil || len(f) != 0 {
		t.Fatalf("FailingOutbox before any failure = %v, %v", f, err)
	}

	id := pending[1].Message.ID
	later := t0.Add(time.Hour)
	for i := 1; i <= 2; i++ {
		if n, err := s.OutboxFailed(ctx, id, t0, "1177 unreachable", later, true); err != nil || n != i {
			t.Fatalf("OutboxFailed = %d, %v", n, err)
		}
	}
	for _, c := range []struct{ min, want int }{{0, 1}, {1, 1}, {2, 1}, {3, 0}} {
		f, err := s.FailingOutbox(ctx, c.min)
		if err != nil || len(f) != c.want {
			t.Errorf("FailingOutbox(%d) = %v, %v; want %d", c.min, f, err, c.want)
		} else if c.want == 1 && (f[0].Message.ID != id || f[0].Attempts != 2 || f[0].LastError != "1177 unreachable") {
			t.Errorf("FailingOutbox(%d) = %+v", c.min, f[0])
		}
	}
	due := func(now time.Time) bool {
		t.Helper()
		ps, err := s.PendingOutbox(ctx, now, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ps {
			if e.Message.ID == id {
				return true
			}
		}
		return false
	}
	if due(t0.Add(time.Minute)) {
		t.Fatal("failed message due before its next attempt")
	}
	if err := s.RetryOutbox(ctx, id, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !due(t0.Add(time.Minute)) {
		t.Error("retried message not due")
	}
	f, err := s.FailingOutbox(ctx, 1)
	if err != nil || len(f) != 1 || f[0].Attempts != 2 || !f[0].NextAttempt.Equal(t0.Add(time.Minute)) {
		t.Errorf("after retry: %+v, %v; want attempts kept, next attempt moved", f, err)
	}

	if err := s.OutboxDelivered(ctx, []string{id}, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if f, err := s.FailingOutbox(ctx, 1); err != nil || len(f) != 0 {
		t.Errorf("FailingOutbox after delivery = %v, %v", f, err)
	}
	for _, gone := range []string{id, "no-such-message"} {
		if err := s.RetryOutbox(ctx, gone, t0); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("RetryOutbox(%s) = %v, want ErrNotFound", gone, err)
		}
	}
}

// A file of schema 16 keeps no instant a booking began to need staff: the
// upgrade gives the bookings that need staff their latest change (what the
// page counted from before), in the new record format, so that a later
// change no longer moves it; the index and the records agree (check).
func TestMigration_V16ToCurrentKeepsWhenABookingBeganToNeedStaff(t *testing.T) {
	s := openTest(t)
	p := addPatient(t, s, pnrString(1980, 5, 17, 123), "Anna Andersson")
	phone := book(t, s, p, examEcho, siteVarnamo, t0.Add(26*time.Hour)) // paper, too late: a phone task
	quiet := book(t, s, p, examTest, siteRyhov, t0.Add(7*24*time.Hour))
	fire(t, s, t0)
	// As schema 16 stored them: format 0x01, without the instant.
	if err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBookings)
		for _, id := range []domain.BookingID{phone.ID(), quiet.ID()} {
			var snap domain.BookingSnapshot
			if err := decodeBookingRecord(b.Get(u64(uint64(id))), &snap, false); err != nil {
				return err
			}
			var since binrec.Encoder
			since.Time(snap.StaffSince)
			v := encodeBookingRecord(&snap)
			if err := b.Put(u64(uint64(id)), append([]byte{bookingRecordBinary}, v[1:len(v)-len(since.B)]...)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, u64(16))
	}); err != nil {
		t.Fatal(err)
	}
	s2 := reopen(t, s)
	mustCheck(t, s2)
	if err := s2.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketBookings).Get(u64(uint64(phone.ID())))
		var snap domain.BookingSnapshot
		if err := decodeBookingRecord(v, &snap, false); err != nil {
			return err
		}
		if v[0] != bookingRecordSince || !snap.StaffSince.Equal(t0) {
			t.Errorf("the booking that needs staff: format %#x, since %v, want %v", v[0], snap.StaffSince, t0)
		}
		if q := tx.Bucket(bucketBookings).Get(u64(uint64(quiet.ID()))); q[0] != bookingRecordBinary {
			t.Errorf("a booking that needs no one was rewritten: %#x", q[0])
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A later change keeps the instant.
	if _, err := s2.UpdateBooking(context.Background(), phone.ID(), func(b *domain.Booking, _ []*domain.Booking) error {
		b.SummonsWaits() // a write that changes nothing of the need
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	checkAttention(t, s2, 0, attn{phone.ID(), []string{domain.AttentionPhoneTask}, t0})
}
