package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

func (a *app) tickCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "tick",
		Short: "Run the background loop once: receipts in, due timers fired, messages delivered",
		Long: `Run the background loop once at the clock's instant (--now for training and
tests): apply the receipts waiting from 1177, fire every timer that is due
(summons, paper fallback, reminders, phone tasks) and deliver the outbox to
the spool folders. Running it twice at the same instant sends nothing twice.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			rep, err := a.tickNow()
			if err != nil {
				return err
			}
			if err := a.printTick(rep, asJSON); err != nil {
				return err
			}
			return tickFailures(rep)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return c
}

type tickJSON struct {
	At           time.Time `json:"at"`
	Receipts     int       `json:"receipts"`
	Duplicates   int       `json:"duplicates"`
	Quarantined  int       `json:"quarantined"`
	Fired        int       `json:"fired"`
	Delivered    int       `json:"delivered"`
	Withdrawn    int       `json:"withdrawn"` // SMS reminders and 1177 summonses taken out of the outbox unsent
	DeliveryErrs int       `json:"delivery_errors"`
	Waiting      int       `json:"waiting"`
	Failing      int       `json:"failing"`
	AccessFolded int       `json:"access_folded"` // access-log entries moved into its indexes
	Errors       []string  `json:"errors"`
}

// tickFailures makes a tick that did its work but met a receipt it could
// not apply, a timer that failed or a delivery that failed exit 3, so that
// cron and systemd see it. What failed is retried at the next tick.
func tickFailures(rep service.TickReport) error {
	n := len(rep.ReceiptErrs) + len(rep.FireFailures) + rep.DeliveryErrs
	if n == 0 {
		return nil
	}
	return &exitCodeError{code: exitRejected, err: errT("cli_err_tick_failed", len(rep.ReceiptErrs), len(rep.FireFailures), rep.DeliveryErrs)}
}

func (a *app) printTick(rep service.TickReport, asJSON bool) error {
	v := tickJSON{At: rep.At.In(domain.Stockholm), Receipts: rep.Receipts, Duplicates: rep.Duplicates,
		Quarantined: rep.Quarantined, Fired: rep.Fired, Delivered: rep.Delivered, Withdrawn: rep.Withdrawn, DeliveryErrs: rep.DeliveryErrs,
		Waiting: rep.Waiting, Failing: rep.Failing, AccessFolded: rep.AccessFolded, Errors: []string{}}
	for _, e := range rep.ReceiptErrs {
		v.Errors = append(v.Errors, e.Error())
	}
	for _, f := range rep.FireFailures {
		v.Errors = append(v.Errors, fmt.Sprintf("booking %s: %v", f.Booking, f.Err))
	}
	if asJSON {
		return writeJSON(a.stdout, v)
	}
	fmt.Fprintln(a.stdout, a.T("cli_tick_summary", fmtLocal(rep.At), v.Receipts, v.Duplicates, v.Quarantined, v.Fired, v.Delivered, v.Waiting, v.Failing))
	if v.Withdrawn > 0 {
		fmt.Fprintln(a.stdout, a.T("cli_tick_withdrawn", v.Withdrawn))
	}
	for _, e := range rep.ReceiptErrs {
		a.errorLine(e)
	}
	for _, f := range rep.FireFailures {
		a.errorLine(wordsT("cli_booking_err", f.Booking, f.Err))
	}
	return nil
}

// simulateCommand plays the patient's side of 1177: it writes the receipt
// that 1177 would send into the inbox spool and ingests it like a real one.
func (a *app) simulateCommand() *cobra.Command {
	var at string
	c := &cobra.Command{
		Use:   "simulate delivered|open|rebook|cancel BOOKING_ID [--at TIME]",
		Short: "Play the patient in 1177: deliver, open, or press rebook or cancel (training, demo, tests)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			types := map[string]domain.ReceiptType{"delivered": domain.ReceiptDelivered, "open": domain.ReceiptOpened,
				"rebook": domain.ReceiptRebookRequested, "cancel": domain.ReceiptCancelRequested}
			rt, ok := types[args[0]]
			if !ok {
				return usageT("cli_err_simulate_type", args[0])
			}
			id, err := parseBookingID(args[1])
			if err != nil {
				return err
			}
			if err := a.authorize(domain.PermOperate); err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			when := svc.Clock.Now()
			if at != "" {
				if when, err = parseClock("--at", at); err != nil {
					return err
				}
			}
			if when.After(svc.Clock.Now()) {
				// A receipt cannot come from the future: playing one later
				// than the clock plays the time forward to it (locally; the
				// server's clock is the server's).
				if a.remote != nil {
					return usageT("cli_err_at_after_now", fmtLocal(when), fmtLocal(svc.Clock.Now()))
				}
				a.base.Clock = domain.FixedClock{T: when}
			}
			b, err := svc.Reader().Booking(a.ctx, id)
			if err != nil {
				return err
			}
			msg := b.Status().MessageID
			if msg == "" {
				return errT("cli_err_no_digital_summons", id)
			}
			sim, err := a.simulateReceipt(domain.Receipt{MessageID: msg, Type: rt, At: when})
			if err != nil {
				return err
			}
			for _, e := range sim.rep.ReceiptErrs {
				a.errorLine(e)
			}
			b, err = svc.Reader().Booking(a.ctx, id)
			if err != nil {
				return err
			}
			if sim.quarantined {
				// The loop set the receipt aside (an instant that cannot
				// be true, a message it does not know): nothing was
				// applied, and saying "opened" would teach the opposite.
				var p *domain.ReceiptProblem
				errors.As(sim.why, &p)
				return errT("cli_err_simulated_quarantined", b.ID(), msg, a.T("cli_rt_"+string(rt)), fmtLocal(when),
					i18n.QuarantineText(a.lang(), p, sim.why.Error()), i18n.StateText(a.lang(), b.State()))
			}
			fmt.Fprintln(a.stdout, a.T("cli_simulated", b.ID(), msg, a.T("cli_rt_"+string(rt)), fmtLocal(when), i18n.StateText(a.lang(), b.State())))
			return nil
		},
	}
	c.Flags().StringVar(&at, "at", "", "the instant 1177 reports (default: now; a later one plays the clock forward to it)")
	c.AddCommand(a.simulateYearCommand())
	return c
}

// byHandCommand builds send-paper and remind: the change, then delivery at once.
func (a *app) byHandCommand(use, short string, act func(*service.Service, domain.BookingID, bool) (*domain.Booking, error)) *cobra.Command {
	var asJSON, again bool
	c := &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		Long: short + `.

One sent less than 15 minutes ago (by hand or by the loop) is not sent again
unless --again is given: the command fails with exit status 1 and says when
the last one went, so that a key pressed twice or two people acting on the
same booking do not send the patient the same thing twice.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseBookingID(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			b, err := act(svc, id, again)
			if err != nil {
				return err
			}
			rep, err := a.deliverNow()
			if err != nil {
				return err
			}
			if rep.DeliveryErrs > 0 {
				a.warn(a.T("cli_warn_undelivered", rep.DeliveryErrs))
			}
			return a.printChanged(svc, b, nil, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the booking as JSON")
	c.Flags().BoolVar(&again, "again", false, "send even though one was sent less than 15 minutes ago")
	return c
}

func (a *app) phonedCommand() *cobra.Command {
	return a.taskDoneCommand("phoned ID [--note TEXT]", "Record that staff phoned the patient (closes the phone task)",
		"what was agreed, for the booking's history", (*service.Service).ResolvePhoneTask)
}

func (a *app) handedOverCommand() *cobra.Command {
	return a.taskDoneCommand("handed-over ID [--note TEXT]",
		"Record that the summons was handed over by the unit's routine (protected personal data; closes the task)",
		"how it was handed over, for the booking's history", (*service.Service).ResolveHandOver)
}

// taskDoneCommand builds the verbs that close a task staff were given.
func (a *app) taskDoneCommand(use, short, noteHelp string, done func(*service.Service, context.Context, domain.BookingID, string) (*domain.Booking, error)) *cobra.Command {
	var note string
	c := &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseBookingID(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			b, err := done(svc, a.ctx, id, strings.TrimSpace(note))
			if err != nil {
				return err
			}
			return a.printChanged(svc, b, nil, false)
		},
	}
	c.Flags().StringVar(&note, "note", "", noteHelp)
	return c
}
