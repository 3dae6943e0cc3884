package tui

import (
	"context"

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
	svc, ctx := c.Svc(), c.Ctx
	ask := func(actKey string, run func(context.Context, *service.Service) (*domain.Booking, error)) bool {
		text := c.T("confirm", c.T(actKey), int(id), label)
		do := func() tea.Msg {
			var res tea.Msg = InfoMsg{c.T(actKey) + ": " + c.T("done")}
			if _, err := run(ctx, svc); err != nil {
				res = ErrorMsg{err}
			}
			if then == nil {
				return res
			}
			return tea.BatchMsg{msgAsCmd(res), msgAsCmd(then)}
		}
		c.Post(askConfirmMsg{Text: text, Run: do})
		return true
	}
	switch {
	case key.Matches(msg, k.Paper):
		return ask("act_paper", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.SendPaper(ctx, id) })
	case key.Matches(msg, k.SMS):
		return ask("act_sms", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.Remind(ctx, id) })
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
