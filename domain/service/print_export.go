package service

import (
	"context"
	"time"

	"github.com/kallelse/kallelse/domain"
)

// ExportPrintLetters lists the letters filed under day, like PrintLetters,
// for a listing that leaves the program (the CLI): each letter's patient is
// logged (`export`) once per session before the list is returned.
func (s *Service) ExportPrintLetters(ctx context.Context, day time.Time) ([]domain.PrintLetter, error) {
	ls, err := s.PrintLetters(ctx, day)
	if err != nil {
		return nil, err
	}
	if err := s.logOnce(ctx, domain.AccessExport, s.letterRefs(ls)); err != nil {
		return nil, err
	}
	return ls, nil
}
