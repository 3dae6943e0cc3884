package actions

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
)

// OnKey answers an action key on a booking: it asks to confirm
// (posted at once, so a key typed right after answers the question) or
// opens the rebook form. who is the patient's name: every question names
// the patient and the time. An action the booking's life cycle does not
// allow now is not asked at all: the status line says why
// (domain.Precondition). then, when set, is sent once a confirmed action
// has run (a page's reload). ok is false when the key is not an action.
func OnKey(c *common.Common, msg tea.KeyMsg, b *domain.Booking, who string, patient *domain.Patient, then tea.Msg) bool {
	k := c.Keys
	kn := common.KeyName(msg.String())
	id := b.ID()
	// label names the booking in a question: made when one is asked, not
	// for every key that passes by on its way to the list.
	label := func() string {
		if who != "" {
			return who + ", " + i18n.FmtTime(b.VisitAt()) + ", " + b.Exam()
		}
		return i18n.FmtTime(b.VisitAt()) + ", " + b.Exam()
	}
	question := func(actKey string) string { return c.T("confirm", capitalize(c.T(actKey)), label(), int(id)) }
	now := c.Svc().Clock.Now()
	blocked := func(a domain.Action) bool {
		if err := b.Precondition(a, now); err != nil {
			c.Post(common.WarnMsg{Text: blockedReason(c, a, b, err)})
			return true
		}
		return false
	}
	ask := func(actKey string, run func(context.Context, *service.Service) (*domain.Booking, error)) bool {
		c.Post(common.AskConfirmMsg{Text: question(actKey), Run: confirmedRun(c, actKey, run, then)})
		return true
	}
	// askNoted is ask with "yes, with a note" besides: the note goes into
	// the event.
	askNoted := func(actKey string, run func(context.Context, *service.Service, string) (*domain.Booking, error)) bool {
		c.Post(common.AskConfirmMsg{Text: question(actKey),
			Run: confirmedRun(c, actKey, func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return run(ctx, s, "") }, then),
			WithNote: func(note string) tea.Cmd {
				return confirmedRun(c, actKey, func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return run(ctx, s, note) }, then)
			}})
		return true
	}
	// askAgain is ask for a letter or SMS by hand: when one went out
	// moments ago (domain.RepeatWindow) the service refuses, and a second
	// question, saying when, sends it again only on a second yes. In the
	// quiet hours an SMS question says so.
	askAgain := func(actKey string, send func(context.Context, *service.Service, bool) (*domain.Booking, error)) bool {
		first := confirmedRun(c, actKey, func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return send(ctx, s, false)
		}, then)
		again := confirmedRun(c, actKey, func(ctx context.Context, s *service.Service) (*domain.Booking, error) {
			return send(ctx, s, true)
		}, then)
		lbl := label() // now: the Cmd below must not read the booking when it runs
		run := func() tea.Msg {
			res := first()
			if e, ok := res.(common.ErrorMsg); ok {
				var recent *domain.SentRecentlyError
				if errors.As(e.Err, &recent) {
					return common.AskConfirmMsg{Text: c.T("confirm_again_"+string(recent.Kind), i18n.FmtClock(recent.At), lbl, int(id)), Run: again}
				}
			}
			return res
		}
		text := question(actKey)
		if actKey == "act_sms" && c.Svc().Schedule.InQuietHours(now) {
			text = c.T("confirm_quiet_hours", i18n.FmtClock(c.Svc().Schedule.QuietEnd(now))) + " " + text
		}
		c.Post(common.AskConfirmMsg{Text: text, Run: run})
		return true
	}
	st := b.State()
	switch {
	case key.Matches(kn, k.Paper):
		if blocked(domain.ActPaper) {
			return true
		}
		// No address, post declined, or too late to arrive: said now, not
		// after the question (domain.PaperByHandPossible).
		if patient != nil {
			if env, err := c.Svc().FireEnv(b, *patient, now); err == nil {
				if err := b.PaperByHandPossible(env); err != nil {
					c.Post(common.WarnMsg{Text: common.FriendlyError(c, err)})
					return true
				}
			}
		}
		return askAgain("act_paper", func(ctx context.Context, s *service.Service, again bool) (*domain.Booking, error) {
			return s.SendPaper(ctx, id, again)
		})
	case key.Matches(kn, k.SMS):
		if blocked(domain.ActSMS) {
			return true
		}
		// No consent or no mobile number: said now, not after the
		// question (domain.RemindByHandPossible).
		if patient != nil {
			if env, err := c.Svc().FireEnv(b, *patient, now); err == nil {
				if err := b.RemindByHandPossible(env); err != nil {
					c.Post(common.WarnMsg{Text: common.FriendlyError(c, err)})
					return true
				}
			}
		}
		return askAgain("act_sms", func(ctx context.Context, s *service.Service, again bool) (*domain.Booking, error) {
			return s.Remind(ctx, id, again)
		})
	case key.Matches(kn, k.Cancel):
		if blocked(domain.ActCancel) {
			return true
		}
		return askNoted("act_cancel", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.Cancel(ctx, id, note)
		})
	case key.Matches(kn, k.UndoCancel):
		if blocked(domain.ActUndoCancel) {
			return true
		}
		return askNoted("act_undo_cancel", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.UndoCancel(ctx, id, note)
		})
	case key.Matches(kn, k.Attended) && st == domain.StateNoShow:
		return askNoted("act_correct_attended", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.CorrectOutcome(ctx, id, domain.StateAttended, note)
		})
	case key.Matches(kn, k.NoShow) && st == domain.StateAttended:
		return askNoted("act_correct_noshow", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.CorrectOutcome(ctx, id, domain.StateNoShow, note)
		})
	case key.Matches(kn, k.Attended):
		if blocked(domain.ActAttended) {
			return true
		}
		return ask("act_attended", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.MarkAttended(ctx, id) })
	case key.Matches(kn, k.NoShow):
		if blocked(domain.ActNoShow) {
			return true
		}
		return ask("act_noshow", func(ctx context.Context, s *service.Service) (*domain.Booking, error) { return s.MarkNoShow(ctx, id) })
	case key.Matches(kn, k.Phoned) && taskOf(b) == "act_letter_handled":
		return askNoted("act_letter_handled", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.OutdatedLetterHandled(ctx, id, note)
		})
	case key.Matches(kn, k.Phoned) && taskOf(b) == "act_handed_over":
		return askNoted("act_handed_over", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.ResolveHandOver(ctx, id, note)
		})
	case key.Matches(kn, k.Phoned) && taskOf(b) == "":
		c.Post(common.WarnMsg{Text: c.T("act_no_task")})
		return true
	case key.Matches(kn, k.Phoned):
		return askNoted("act_phoned", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.ResolvePhoneTask(ctx, id, note)
		})
	case key.Matches(kn, k.Keep) && b.Precondition(domain.ActKeep, c.Now()) != nil:
		c.Post(common.WarnMsg{Text: c.T("act_no_request")})
		return true
	case key.Matches(kn, k.Keep):
		return askNoted("act_keep", func(ctx context.Context, s *service.Service, note string) (*domain.Booking, error) {
			return s.KeepTime(ctx, id, note)
		})
	case key.Matches(kn, k.Rebook):
		if blocked(domain.ActRebook) {
			return true
		}
		c.Post(common.OpenFormMsg{Rebook: b})
		return true
	}
	return false
}

// capitalize starts a sentence.
func capitalize(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// confirmedRun is what a confirmed action does: run it on the service,
// then say done or show the error, then send then (a page's reload).
func confirmedRun(c *common.Common, actKey string, run func(context.Context, *service.Service) (*domain.Booking, error), then tea.Msg) func() tea.Msg {
	svc, ctx := c.Svc(), c.Ctx
	return func() tea.Msg {
		var res tea.Msg = common.InfoMsg{Text: c.T(actKey + "_done")}
		if _, err := run(ctx, svc); errors.Is(err, domain.ErrSentRecently) {
			return common.ErrorMsg{Err: err} // a second question comes first; the reload follows its answer
		} else if err != nil {
			res = common.ErrorMsg{Err: err}
		}
		if then == nil {
			return res
		}
		return tea.BatchMsg{common.MsgCmd(res), common.MsgCmd(then)}
	}
}

// blockedReason says, in the staff's language, why an action is not offered
// for this booking now: its state, or the time of the visit.
func blockedReason(c *common.Common, a domain.Action, b *domain.Booking, err error) string {
	act := c.T("blocked_" + string(a))
	switch {
	case errors.Is(err, domain.ErrIllegalTransition):
		return c.T("blocked_state", act, i18n.StateText(c.Lang, b.State()))
	case errors.Is(err, domain.ErrVisitInPast):
		return c.T("blocked_started", act)
	case errors.Is(err, domain.ErrVisitNotStarted):
		return c.T("blocked_not_started", act, i18n.FmtTime(b.VisitAt()))
	case errors.Is(err, domain.ErrCannotCorrect) && a == domain.ActUndoCancel && b.State() == domain.StateCancelled:
		return c.T("blocked_undo_late")
	case errors.Is(err, domain.ErrCannotCorrect):
		return c.T("blocked_state", act, i18n.StateText(c.Lang, b.State()))
	}
	return common.FriendlyError(c, err)
}

// Offered is the action keys the booking's life cycle allows now, in the
// order of the key table, with the words for what each does here: the keys
// line shows what will work, not what would be refused (domain.Precondition,
// the same rule OnKey asks).
func Offered(c *common.Common, b *domain.Booking) []key.Binding {
	k, now, st := c.Keys, c.Now(), b.State()
	ok := func(a domain.Action) bool { return b.Precondition(a, now) == nil }
	as := func(bd key.Binding, desc string) key.Binding {
		nb := key.NewBinding(key.WithKeys(bd.Keys()...), key.WithHelp(bd.Help().Key, desc))
		nb.SetEnabled(bd.Enabled()) // a key the role may not use stays off under its other name
		return nb
	}
	var out []key.Binding
	add := func(cond bool, bd key.Binding) {
		if cond && bd.Enabled() {
			out = append(out, bd)
		}
	}
	add(ok(domain.ActPaper), k.Paper)
	add(ok(domain.ActSMS), k.SMS)
	add(ok(domain.ActRebook), k.Rebook)
	add(ok(domain.ActCancel), k.Cancel)
	add(ok(domain.ActUndoCancel), k.UndoCancel)
	switch {
	case st == domain.StateNoShow:
		add(ok(domain.ActCorrect), as(k.Attended, c.T("act_key_correct")))
	case st == domain.StateAttended:
		add(ok(domain.ActCorrect), as(k.NoShow, c.T("act_key_correct")))
	default:
		add(ok(domain.ActAttended), k.Attended)
		add(ok(domain.ActNoShow), k.NoShow)
	}
	switch t := taskOf(b); t {
	case "act_phoned":
		add(true, k.Phoned)
	case "":
	default:
		add(true, as(k.Phoned, c.T(t)))
	}
	add(ok(domain.ActKeep), k.Keep)
	return out
}

// taskOf is what T does on the booking (domain.OpenTask), as its catalogue
// key: phoned, the summons handed over, the old letter handled — or "" for
// no task. OnKey and Offered both ask it, so the key offered is the key
// that works.
func taskOf(b *domain.Booking) string {
	return map[domain.TaskKind]string{domain.TaskPhone: "act_phoned", domain.TaskHandOver: "act_handed_over",
		domain.TaskOutdatedLetter: "act_letter_handled"}[b.OpenTask()]
}
