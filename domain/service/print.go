package service

import (
	"context"
	"errors"
	"time"

	"github.com/kallelse/kallelse/domain"
)

var errNoPrinter = errors.New("no print folder is configured")
var errNoQuarantine = errors.New("no receipt quarantine is configured")

// letterRefs are the patients of letters, for the access log; a letter
// whose summons names an unreadable identity number is logged under none.
func (s *Service) letterRefs(ls []domain.PrintLetter) []PatientRef {
	refs := make([]PatientRef, 0, len(ls))
	for _, l := range ls {
		id, err := s.ParseIdentity(l.Patient)
		if err != nil {
			continue
		}
		refs = append(refs, PatientRef{Patient: id, Booking: l.Booking})
	}
	return refs
}

// PrintLetters lists the letters filed under day, printed or not.
func (s *Service) PrintLetters(ctx context.Context, day time.Time) ([]domain.PrintLetter, error) {
	if err := s.require(domain.PermPrint); err != nil {
		return nil, err
	}
	if s.Print == nil {
		return nil, errNoPrinter
	}
	return s.Print.Letters(day)
}

// PrintBatch writes the day's letters into one PDF for the printer and
// returns its path and how many letters it holds. Each letter's patient is
// logged (`print`) before the batch is written: the data leaves as paper.
func (s *Service) PrintBatch(ctx context.Context, day time.Time) (string, int, error) {
	if err := s.require(domain.PermPrint); err != nil {
		return "", 0, err
	}
	if s.Print == nil {
		return "", 0, errNoPrinter
	}
	ls, err := s.Print.Letters(day)
	if err != nil {
		return "", 0, err
	}
	if err := s.logRead(ctx, domain.AccessPrint, s.letterRefs(ls)...); err != nil {
		return "", 0, err
	}
	path, n, err := s.Print.Batch(day)
	if err != nil || n <= len(ls) {
		return path, n, err
	}
	// Letters filed meanwhile went into the batch too: log them as well.
	again, err := s.Print.Letters(day)
	if err != nil {
		return path, n, err
	}
	seen := map[string]bool{}
	for _, l := range ls {
		seen[l.MessageID] = true
	}
	var added []domain.PrintLetter
	for _, l := range again {
		if !seen[l.MessageID] {
			added = append(added, l)
		}
	}
	return path, n, s.logRead(ctx, domain.AccessPrint, s.letterRefs(added)...)
}

// MarkPrinted marks the day's letters printed and returns how many were
// not marked before; each of those is an action on a patient's letter, logged.
func (s *Service) MarkPrinted(ctx context.Context, day time.Time) (int, error) {
	if err := s.require(domain.PermPrint); err != nil {
		return 0, err
	}
	if s.Print == nil {
		return 0, errNoPrinter
	}
	ls, err := s.Print.Letters(day)
	if err != nil {
		return 0, err
	}
	var unmarked []domain.PrintLetter
	for _, l := range ls {
		if !l.Printed {
			unmarked = append(unmarked, l)
		}
	}
	if err := s.logRead(ctx, domain.AccessMarkPrinted, s.letterRefs(unmarked)...); err != nil {
		return 0, err
	}
	return s.Print.MarkPrinted(day)
}

// QuarantinedReceipts lists the receipt files the loop could not use.
func (s *Service) QuarantinedReceipts(ctx context.Context) ([]domain.QuarantinedReceipt, error) {
	if err := s.require(domain.PermDeliveries); err != nil {
		return nil, err
	}
	if s.Quarantine == nil {
		return nil, errNoQuarantine
	}
	return s.Quarantine.Quarantined()
}

// RequeueReceipt puts a quarantined receipt back for the loop to try again.
func (s *Service) RequeueReceipt(ctx context.Context, name string) error {
	if err := s.require(domain.PermDeliveries); err != nil {
		return err
	}
	if s.Quarantine == nil {
		return errNoQuarantine
	}
	return s.Quarantine.Requeue(name)
}
