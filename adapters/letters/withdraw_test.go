package letters

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kallelse/kallelse/domain"
)

func TestWithdraw_KeepsALetterOutOfEveryBatch(t *testing.T) {
	p := testPrinter(t)
	ctx := context.Background()
	w := domain.Message{ID: "k42-9-letter", Booking: 42, Kind: domain.MessageLetter, Purpose: domain.PurposeWithdraw,
		CreatedAt: created, Withdraws: "m2", LetterDay: day}
	// The withdrawal may come before the letter itself: it still holds.
	if err := p.Send(ctx, w); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m1", "m2"} {
		if err := p.Send(ctx, testLetter(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Send(ctx, w); err != nil { // again: idempotent
		t.Fatal(err)
	}
	ls, _ := p.Pending(created)
	if len(ls) != 2 || ls[0].Withdrawn || !ls[1].Withdrawn {
		t.Fatalf("pending %+v", ls)
	}
	for _, reprint := range []bool{false, true} {
		if _, ids, err := p.Batch(created, reprint); err != nil || strings.Join(ids, ",") != "m1" {
			t.Fatalf("batch (reprint %v): %v %v", reprint, ids, err)
		}
	}
	if ids, err := p.MarkPrinted(created); err != nil || len(ids) != 0 {
		t.Fatalf("mark printed: %v %v", ids, err)
	}
	bad := w
	bad.Withdraws = "../x"
	if err := p.Send(ctx, bad); err == nil {
		t.Fatal("a withdrawal naming a path")
	}
	// Too late: m1 is printed (in the post); a withdrawal changes nothing,
	// by message or by the print queue's own Withdraw.
	late := w
	late.ID, late.Withdraws = "k42-10-letter", "m1"
	if err := p.Send(ctx, late); err != nil {
		t.Fatal(err)
	}
	if err := p.Withdraw(created, "m1"); err != nil {
		t.Fatal(err)
	}
	ls, _ = p.Pending(created)
	if !ls[0].Printed || ls[0].Withdrawn {
		t.Fatalf("a printed letter shown withdrawn: %+v", ls[0])
	}
	if _, err := os.Stat(filepath.Join(p.Dir, day, "m1.withdrawn")); !os.IsNotExist(err) {
		t.Fatalf("withdrawn marker next to a printed letter: %v", err)
	}
}

// A withdrawn letter leaves no PDF to print by mistake and no address in
// the folder (the patient may since have become protected); the print
// queue still lists it as withdrawn, by name. A printed one stays as it
// went.
func TestWithdraw_TakesTheLettersAddressOutOfTheFolder(t *testing.T) {
	p := testPrinter(t)
	ctx := context.Background()
	dir := filepath.Join(p.Dir, day)
	withdrawal := func(n int, id string) domain.Message {
		return domain.Message{ID: fmt.Sprintf("k42-%d-letter", n), Booking: 42, Kind: domain.MessageLetter,
			Purpose: domain.PurposeWithdraw, CreatedAt: created, Withdraws: id, LetterDay: day}
	}
	noAddress := func(id string) {
		t.Helper()
		if _, err := os.Stat(filepath.Join(dir, id+".pdf")); !os.IsNotExist(err) {
			t.Errorf("%s.pdf of a withdrawn letter: %v", id, err)
		}
		js, err := os.ReadFile(filepath.Join(dir, id+".json"))
		if err != nil || bytes.Contains(js, []byte("Storgatan")) || bytes.Contains(js, []byte("55318")) {
			t.Errorf("%s.json of a withdrawn letter: %v\n%s", id, err, js)
		}
	}
	// Withdrawn after it was written, by the message and by the queue.
	for _, id := range []string{"m1", "m2", "m4"} {
		if err := p.Send(ctx, testLetter(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Send(ctx, withdrawal(9, "m1")); err != nil {
		t.Fatal(err)
	}
	if err := p.Withdraw(created, "m2"); err != nil {
		t.Fatal(err)
	}
	// Stamped in Stockholm time, as every other file of the spool.
	if stamp, err := os.ReadFile(filepath.Join(dir, "m2.withdrawn")); err != nil || !bytes.Contains(stamp, []byte("2026-11-26T15:00:00+01:00")) {
		t.Errorf("the marker says %q (%v)", stamp, err)
	}
	// Withdrawn before it arrived.
	if err := p.Send(ctx, withdrawal(10, "m3")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"m1", "m2", "m3"} {
		if err := p.Send(ctx, testLetter(id)); err != nil { // again, or for the first time
			t.Fatal(err)
		}
		noAddress(id)
	}
	ls, err := p.Pending(created)
	if err != nil || len(ls) != 4 {
		t.Fatalf("pending %+v, %v", ls, err)
	}
	for _, l := range ls[:3] {
		if !l.Withdrawn || l.PatientName != "Åsa Öberg" {
			t.Errorf("%s listed %+v", l.MessageID, l)
		}
	}
	// Printed, then withdrawn too late: it is in the post, and stays as it went.
	if _, ids, err := p.Batch(created, false); err != nil || strings.Join(ids, ",") != "m4" {
		t.Fatalf("batch %v %v", ids, err)
	}
	if err := p.Send(ctx, withdrawal(11, "m4")); err != nil {
		t.Fatal(err)
	}
	if js, err := os.ReadFile(filepath.Join(dir, "m4.json")); err != nil || !bytes.Contains(js, []byte("Storgatan")) {
		t.Errorf("a printed letter's sidecar changed: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m4.pdf")); err != nil {
		t.Errorf("a printed letter's PDF: %v", err)
	}
}

// A folder written before withdrawals cleared their letters is cleared
// once, when the loop starts.
func TestClearWithdrawn_ClearsAFolderWrittenBefore(t *testing.T) {
	p := testPrinter(t)
	ctx := context.Background()
	dir := filepath.Join(p.Dir, day)
	for _, id := range []string{"m1", "m2"} {
		if err := p.Send(ctx, testLetter(id)); err != nil {
			t.Fatal(err)
		}
	}
	// As a withdrawal left it before: the marker beside the letter.
	if err := os.WriteFile(filepath.Join(dir, "m1.withdrawn"), []byte("withdrawn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := p.ClearWithdrawn(); err != nil || n != 1 {
		t.Fatalf("cleared %d, %v", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m1.pdf")); !os.IsNotExist(err) {
		t.Errorf("m1.pdf: %v", err)
	}
	if js, _ := os.ReadFile(filepath.Join(dir, "m1.json")); bytes.Contains(js, []byte("Storgatan")) {
		t.Errorf("m1.json keeps the address:\n%s", js)
	}
	if js, _ := os.ReadFile(filepath.Join(dir, "m2.json")); !bytes.Contains(js, []byte("Storgatan")) {
		t.Error("a letter still to print lost its address")
	}
	// Once: a marker written by hand later is the folder's own business.
	if err := os.WriteFile(filepath.Join(dir, "m2.withdrawn"), []byte("withdrawn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, err := p.ClearWithdrawn(); err != nil || n != 0 {
		t.Fatalf("second pass cleared %d, %v", n, err)
	}
}

// A withdrawn letter's PDF left by a crash (the withdrawal found no PDF,
// the letter wrote it and the process died before it looked again) is
// taken away when the letter is sent again (review).
func TestWithdraw_APDFLeftByACrashIsTakenAway(t *testing.T) {
	p := testPrinter(t)
	ctx := context.Background()
	dir := filepath.Join(p.Dir, day)
	if err := p.Send(ctx, testLetter("m1")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "m1.withdrawn"), []byte("withdrawn\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.Send(ctx, testLetter("m1")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m1.pdf")); !os.IsNotExist(err) {
		t.Fatalf("the PDF of a withdrawn letter stays in the folder: %v", err)
	}
	if js, _ := os.ReadFile(filepath.Join(dir, "m1.json")); bytes.Contains(js, []byte("Storgatan")) {
		t.Fatalf("its sidecar keeps the address:\n%s", js)
	}
}
