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

// bookingAction maps an action key on a booking to a confirmed command.
// ok is false when the key is not an action.
func bookingAction(c *Common, msg tea.KeyMsg, b *domain.Booking) (tea.Cmd, bool) {
	k := c.Keys
	id, label := b.ID(), b.Exam()+" "+fmtTime(b.VisitAt())
	svc, ctx := c.Svc(), c.Ctx
	ask := func(actKey string, run func(context.Context, *service.Service) (*domain.Booking, error)) (tea.Cmd, bool) {
		text := c.T("confirm", c.T(actKey), int(id), label)
		do := func() tea.Msg {
			if _, err := run(ctx, svc); err != nil {
				return ErrorMsg{err}
			}
			return InfoMsg{c.T(actKey) + ": " + c.T("done")}
		}
		return func() tea.Msg { return askConfirmMsg{Text: text, Run: do} }, true
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
	case key.Matches(msg, k.Phoned):
		return ask("act_phoned", func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return s.ResolvePhoneTask(ctx, id, "")
		})
	case key.Matches(msg, k.Rebook):
		bb := b
		return func() tea.Msg { return OpenFormMsg{Rebook: bb} }, true
	}
	return nil, false
}
