package tui

import (
	"context"
	"errors"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// askConfirmMsg asks the user to confirm an action before it runs.
type askConfirmMsg struct {
	Text string
	Run  tea.Cmd
}

// confirmModel is the yes/no question shown over the page.
type confirmModel struct {
	text string
	run  tea.Cmd
}

// bookingAction answers an action key on a booking: it asks to confirm
// (posted at once, so a key typed right after answers the question) or
// opens the rebook form. then, when set, is sent once a confirmed action
// has run (a page's reload). ok is false when the key is not an action.
func bookingAction(c *Common, msg tea.KeyMsg, b *domain.Booking, then tea.Msg) bool {
	k := c.Keys
	id, label := b.ID(), b.Exam()+" "+fmtTime(b.VisitAt())
	// askAgain is ask for a letter or SMS by hand: when one went out
	// moments ago (domain.RepeatWindow) the service refuses, and a second
	// question, saying when, sends it again only on a second yes.
	ask := func(actKey string, run func(context.Context, *service.Service) (*domain.Booking, error)) bool {
		c.Post(askConfirmMsg{Text: c.T("confirm", c.T(actKey), int(id), label), Run: confirmedRun(c, actKey, run, then)})
		return true
	}
	askAgain := func(actKey string, send func(context.Context, *service.Service, bool) (*domain.Booking, error)) bool {
		first := confirmedRun(c, actKey, func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return send(ctx, s, false)
		}, then)
		again := confirmedRun(c, actKey, func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return send(ctx, s, true)
		}, then)
		run := func() tea.Msg {
			res := first()
			if e, ok := res.(ErrorMsg); ok {
				var recent *domain.SentRecentlyError
				if errors.As(e.Err, &recent) {
					return askConfirmMsg{Text: c.T("confirm_again_"+string(recent.Kind), fmtClock(recent.At), int(id), label), Run: again}
				}
			}
			return res
		}
		c.Post(askConfirmMsg{Text: c.T("confirm", c.T(actKey), int(id), label), Run: run})
		return true
	}
	switch {
	case key.Matches(msg, k.Paper):
		return askAgain("act_paper", func(ctx context.Context, s *service.Service, again bool) (*domain.Booking, error) {
			return s.SendPaper(ctx, id, again)
		})
	case key.Matches(msg, k.SMS):
		return askAgain("act_sms", func(ctx context.Context, s *service.Service, again bool) (*domain.Booking, error) {
			return s.Remind(ctx, id, again)
		})
	case key.Matches(msg, k.Cancel):
		return ask("act_cancel", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.Cancel(ctx, id, "") })
	case key.Matches(msg, k.Attended):
		return ask("act_attended", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.MarkAttended(ctx, id) })
	case key.Matches(msg, k.NoShow):
		return ask("act_noshow", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.MarkNoShow(ctx, id) })
	case key.Matches(msg, k.Phoned) && b.OutdatedLetter() && !b.Status().PhoneTask && !b.Status().HandOver:
		return ask("act_letter_handled", func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return s.OutdatedLetterHandled(ctx, id, "")
		})
	case key.Matches(msg, k.Phoned) && b.Status().HandOver && !b.Status().PhoneTask:
		return ask("act_handed_over", func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return s.ResolveHandOver(ctx, id, "")
		})
	case key.Matches(msg, k.Phoned) && !b.Status().PhoneTask:
		c.Post(InfoMsg{c.T("act_no_task")})
		return true
	case key.Matches(msg, k.Phoned):
		return ask("act_phoned", func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return s.ResolvePhoneTask(ctx, id, "")
		})
	case key.Matches(msg, k.Keep) && b.State() != domain.StateRebookRequested && b.State() != domain.StateCancelRequested:
		c.Post(InfoMsg{c.T("act_no_request")})
		return true
	case key.Matches(msg, k.Keep):
		return ask("act_keep", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.KeepTime(ctx, id, "") })
	case key.Matches(msg, k.Rebook):
		c.Post(OpenFormMsg{Rebook: b})
		return true
	}
	return false
}

// confirmedRun is what a confirmed action does: run it on the service,
// then say done or show the error, then send then (a page's reload).
func confirmedRun(c *Common, actKey string, run func(context.Context, *service.Service) (*domain.Booking, error), then tea.Msg) func() tea.Msg {
	svc, ctx := c.Svc(), c.Ctx
	return func() tea.Msg {
		var res tea.Msg = InfoMsg{c.T(actKey) + ": " + c.T("done")}
		if _, err := run(ctx, svc); errors.Is(err, domain.ErrSentRecently) {
			return ErrorMsg{err} // a second question comes first; the reload follows its answer
		} else if err != nil {
			res = ErrorMsg{err}
		}
		if then == nil {
			return res
		}
		return tea.BatchMsg{msgAsCmd(res), msgAsCmd(then)}
	}
}
