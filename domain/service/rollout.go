package service

import (
	"context"
	"errors"
	"time"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/metrics"
)

// Rollout is the coordinators' decision aid (kallelse report rollout, the
// overview's rollout page): what each examination not yet digital would
// save, from the visits of [from, to), and whether each step taken kept its
// promise. Figures only, no patient: nothing is written to the access log.
func (s *Service) Rollout(ctx context.Context, from, to time.Time) (metrics.Rollout, error) {
	if err := s.require(domain.PermReports); err != nil {
		return metrics.Rollout{}, err
	}
	src, ok := s.Store.(metrics.RolloutSource)
	if !ok {
		return metrics.Rollout{}, errors.New("this store cannot answer the rollout report")
	}
	return metrics.BuildRollout(ctx, src, metrics.RolloutRequest{From: from, To: to, Now: s.Clock.Now(),
		Exams: s.Catalogue.Exams(), Switches: s.Switches, Policy: s.Policy, Schedule: s.Schedule})
}
