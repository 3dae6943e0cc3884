package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/tui/i18n"
)

func (a *app) bookCommand() *cobra.Command {
	var patient, exam, site, at string
	var asJSON bool
	c := &cobra.Command{
		Use:   "book --patient ID --exam CODE --site CODE --at TIME",
		Short: "Book an examination and show the channel decision with its reasons",
		Long: `Book an examination. Prints the booking id, the channels the summons will
take (digital, paper or both) and the reason codes for paper. Refuses a time
in the past, an unknown code or patient, and a time overlapping another
booking of the same patient; warns for a weekend or Swedish public holiday.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireFlags(cmd, "patient", "exam", "site", "at"); err != nil {
				return err
			}
			visit, err := parseClock("--at", at)
			if err != nil {
				return err
			}
			// No new database: a booking needs a registered patient.
			svc, err := a.service()
			if err != nil {
				return err
			}
			res, err := svc.Book(a.ctx, service.BookInput{Patient: patient, Exam: exam, Site: site, VisitAt: visit})
			if err != nil {
				return err
			}
			a.visitWarnings(res.Warnings, visit)
			v := bookingView(res.Booking, res.Patient.Name())
			v.Warnings = res.Warnings
			var o *domain.Outlook
			if e, err := svc.Catalogue.Exam(res.Booking.Exam()); err == nil {
				f := domain.Foresee(res.Patient, e, res.Booking.VisitAt(), svc.Clock.Now(), svc.Policy, svc.Schedule)
				o = &f
				v.Outlook = outlookView(f)
			}
			if asJSON {
				return writeJSON(a.stdout, v)
			}
			fmt.Fprintln(a.stdout, a.T("cli_booking_no", res.Booking.ID()))
			l := a.labels(a.stdout, "  ", "cli_lbl_channels", "cli_lbl_reasons", "cli_lbl_letters", "cli_lbl_unopened")
			a.printDecision(l, res.Booking, o, res.Booking.Decision().Paper)
			if o != nil {
				a.printOutlook(l, *o)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&patient, "patient", "", "patient identity number (YYYYMMDD-NNNN)")
	f.StringVar(&exam, "exam", "", "examination code (kallelse exam list)")
	f.StringVar(&site, "site", "", "site code (kallelse site list)")
	f.StringVar(&at, "at", "", "visit time, 2026-12-01T09:30 in Stockholm time or RFC 3339")
	f.BoolVar(&asJSON, "json", false, "print the booking as JSON")
	return c
}

func (a *app) bookingCommand() *cobra.Command {
	c := &cobra.Command{Use: "booking", Short: "List, show and change bookings", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() }}
	c.AddCommand(a.bookingListCommand(), a.bookingShowCommand(),
		a.bookingChangeCommand("cancel ID", "Cancel a booking", func(svc *service.Service, id domain.BookingID, note string) (*domain.Booking, error) {
			return svc.Cancel(a.ctx, id, note)
		}),
		a.bookingRebookCommand(),
		a.bookingChangeCommand("attended ID", "Record that the patient came", func(svc *service.Service, id domain.BookingID, _ string) (*domain.Booking, error) {
			return svc.MarkAttended(a.ctx, id)
		}),
		a.bookingChangeCommand("no-show ID", "Record that the patient did not come", func(svc *service.Service, id domain.BookingID, _ string) (*domain.Booking, error) {
			return svc.MarkNoShow(a.ctx, id)
		}),
		a.byHandCommand("send-paper ID [--again]", "Send the paper letter now, by hand (R4)", func(svc *service.Service, id domain.BookingID, again bool) (*domain.Booking, error) {
			return svc.SendPaper(a.ctx, id, again)
		}),
		a.byHandCommand("remind ID [--again]", "Send an SMS reminder now, to a patient who asked for reminders", func(svc *service.Service, id domain.BookingID, again bool) (*domain.Booking, error) {
			return svc.Remind(a.ctx, id, again)
		}),
		a.phonedCommand(),
		a.handedOverCommand(),
		a.taskDoneCommand("letter-handled ID [--note TEXT]",
			"Record that a printed letter naming a void time was dealt with (taken out of the post, or the patient told)",
			"what was done, for the booking's history", (*service.Service).OutdatedLetterHandled),
		a.bookingChangeCommand("correct ID --to attended|no-show [--note TEXT]",
			"Correct a slip in the outcome: attended to no-show or back (by you, with a note, in the history)", nil),
		a.bookingChangeCommand("undo-cancel ID [--note TEXT]",
			"Take back a cancellation made by mistake, the same day: the time stands again and a new summons goes", func(svc *service.Service, id domain.BookingID, note string) (*domain.Booking, error) {
				return svc.UndoCancel(a.ctx, id, note)
			}),
		a.taskDoneCommand("keep ID [--note TEXT]",
			"Answer a patient's rebook or cancel request by keeping the time, agreed with the patient (Kallelse sends them no word of it; the reminders go again)",
			"what was agreed, for the booking's history", (*service.Service).KeepTime),
	)
	return c
}

func parseBookingID(s string) (domain.BookingID, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 {
		return 0, usageT("cli_err_booking_id", s)
	}
	return domain.BookingID(n), nil
}

func (a *app) bookingListCommand() *cobra.Command {
	var exam, site, state, from, to, patient string
	var limit int
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List bookings by visit time",
		Long: `List bookings ordered by visit time. --from and --to take a date (2026-12-01)
or a time; a --to date includes that whole day.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return usageT("cli_err_limit", limit)
			}
			q := domain.BookingQuery{Exam: exam, Site: site, Limit: limit}
			var err error
			if state != "" {
				st, ok := i18n.ParseStateText(state)
				if !ok {
					var words []string
					for _, s := range domain.AllStates {
						words = append(words, i18n.StateText(a.lang(), s))
					}
					return usageT("cli_err_state", state, strings.Join(words, ", "))
				}
				q.State = st
			}
			if from != "" {
				if q.From, err = parseBound(from, false); err != nil {
					return usageT("cli_err_flag", "--from", err)
				}
			}
			if to != "" {
				if q.To, err = parseBound(to, true); err != nil {
					return usageT("cli_err_flag", "--to", err)
				}
			}
			if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
				return usageT("cli_err_from_after_to", from, to) // as the reports say it, not "0 bookings"
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			// An unknown code is a usage error, as an unknown --state is.
			if exam != "" {
				if _, err := svc.Catalogue.Exam(exam); err != nil {
					return usageT("cli_err_flag", "--exam", err)
				}
			}
			if site != "" {
				if _, err := svc.Catalogue.Site(site); err != nil {
					return usageT("cli_err_flag", "--site", err)
				}
			}
			if patient != "" {
				if q.Patient, err = svc.ParseIdentity(patient); err != nil {
					return err
				}
			}
			list := newJSONList(a.stdout, asJSON)
			tw := tabwriter.NewWriter(a.stdout, 0, 2, 2, ' ', 0)
			if !asJSON {
				fmt.Fprintln(tw, a.T("cli_hdr_bookings"))
			}
			n := 0
			err = svc.ExportBookings(a.ctx, q, func(b *domain.Booking, p domain.Patient) error {
				n++
				name := p.Name()
				if name == "" {
					name = "?"
				}
				if asJSON {
					return list.add(bookingView(b, name))
				}
				lang := a.lang()
				paper := b.Decision().Paper // the channels that reach the patient, as the screens name them
				if !p.ID().IsZero() {
					paper = b.PaperReaches(p, svc.Clock.Now(), svc.Policy, svc.Schedule)
				}
				_, err := fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID(), fmtVisit(lang, b.VisitAt()), b.Patient(),
					tableName(name), b.Exam(), b.Site(), i18n.StateText(lang, b.State()), i18n.ChannelWords(lang, b.Decision(), paper),
					dash(reasonsShort(lang, b.Decision().Reasons)))
				return err
			})
			if err != nil {
				return err
			}
			if asJSON {
				return list.close()
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(a.stderr, a.T("cli_n_bookings", n))
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&exam, "exam", "", "only this examination code")
	f.StringVar(&site, "site", "", "only this site code")
	f.StringVar(&state, "state", "", "only this state ("+statesList()+")")
	f.StringVar(&from, "from", "", "visits from this date or time")
	f.StringVar(&to, "to", "", "visits up to this date (inclusive) or time (exclusive)")
	f.StringVar(&patient, "patient", "", "only this patient's bookings")
	f.IntVar(&limit, "limit", 0, "at most this many bookings (0 = all)")
	f.BoolVar(&asJSON, "json", false, "print JSON (an array of bookings)")
	return c
}

func statesList() string {
	s := make([]string, len(domain.AllStates))
	for i, st := range domain.AllStates {
		s[i] = string(st)
	}
	return strings.Join(s, ", ")
}

func (a *app) bookingShowCommand() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use: "show ID", Short: "Show a booking: state, channels, reasons and every event", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseBookingID(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			d, err := svc.Detail(a.ctx, id)
			if err != nil {
				return err
			}
			if asJSON {
				v := bookingView(d.Booking, d.Patient.Name())
				v.Timers = []timerJSON{}
				for _, t := range d.Booking.Timers() {
					v.Timers = append(v.Timers, timerJSON{Kind: t.Kind, Due: t.Due.In(domain.Stockholm)})
				}
				v.Events = []eventJSON{}
				for _, e := range d.Events {
					v.Events = append(v.Events, eventView(e))
				}
				return writeJSON(a.stdout, v)
			}
			a.printDetail(svc, d)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// bookingChangeCommand builds the verbs that change one booking's state.
func (a *app) bookingChangeCommand(use, short string, change func(*service.Service, domain.BookingID, string) (*domain.Booking, error)) *cobra.Command {
	var asJSON bool
	var note, to string
	correcting := change == nil
	if correcting {
		change = func(svc *service.Service, id domain.BookingID, note string) (*domain.Booking, error) {
			states := map[string]domain.BookingState{"attended": domain.StateAttended, "no-show": domain.StateNoShow, "no_show": domain.StateNoShow}
			st, ok := states[to]
			if !ok {
				return nil, usageT("cli_err_correct_to", to)
			}
			return svc.CorrectOutcome(a.ctx, id, st, note)
		}
	}
	c := &cobra.Command{
		Use: use, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if correcting {
				if err := requireFlags(cmd, "to"); err != nil {
					return err
				}
			}
			id, err := parseBookingID(args[0])
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			b, err := change(svc, id, note)
			if err != nil {
				return err
			}
			if b.State() == domain.StateCancelled {
				// The cancellation notices go at once, as a letter by hand does.
				if rep, err := a.deliverNow(); err != nil {
					return err
				} else if rep.DeliveryErrs > 0 {
					a.warn(a.T("cli_warn_undelivered", rep.DeliveryErrs))
				}
			}
			return a.printChanged(svc, b, nil, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the booking as JSON")
	if strings.HasPrefix(use, "cancel") || strings.HasPrefix(use, "undo-cancel") || correcting {
		c.Flags().StringVar(&note, "note", "", "why, for the booking's history")
	}
	if correcting {
		c.Flags().StringVar(&to, "to", "", "the right outcome: attended or no-show")
	}
	return c
}

func (a *app) bookingRebookCommand() *cobra.Command {
	var at, site string
	var asJSON bool
	c := &cobra.Command{
		Use: "rebook ID --at TIME [--site CODE]", Short: "Move a booking to a new time, and to another site with --site", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "at"); err != nil {
				return err
			}
			id, err := parseBookingID(args[0])
			if err != nil {
				return err
			}
			visit, err := parseClock("--at", at)
			if err != nil {
				return err
			}
			svc, err := a.service()
			if err != nil {
				return err
			}
			b, warnings, err := svc.RebookAt(a.ctx, id, site, visit)
			if err != nil {
				return err
			}
			a.visitWarnings(warnings, visit)
			return a.printChanged(svc, b, warnings, asJSON)
		},
	}
	c.Flags().StringVar(&at, "at", "", "new visit time")
	c.Flags().StringVar(&site, "site", "", "another site (default: the booking's own)")
	c.Flags().BoolVar(&asJSON, "json", false, "print the booking as JSON")
	return c
}

func (a *app) printChanged(svc *service.Service, b *domain.Booking, warnings []string, asJSON bool) error {
	if asJSON {
		name := ""
		if p, err := svc.Reader().Patient(a.ctx, b.Patient()); err == nil {
			name = p.Name()
		}
		v := bookingView(b, name)
		v.Warnings = warnings
		return writeJSON(a.stdout, v)
	}
	fmt.Fprintln(a.stdout, a.T("cli_changed", b.ID(), i18n.StateText(a.lang(), b.State()), fmtVisit(a.lang(), b.VisitAt())))
	return nil
}
