// Package tuitest is the TUI's test support: a demo database or a small
// world with one of each task, in-memory fakes of the print folder, the
// quarantine and the reports, and harnesses that play the root for one
// page (Page) or drive a whole program (Run, Keys). It is imported by
// tests only; it builds storage for them, which the TUI itself never does.
package tuitest

import (
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/adapters/demo"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// Now is the fixed instant of the TUI tests: Wednesday 25 November 2026, 10:00.
var Now = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

// Env is a demo database, its service and loop, for driving the TUI.
type Env struct {
	St   *storage.Store
	Svc  *service.Service
	Loop *service.Loop
	Sent map[string]int // deliveries by message id
}

type sender struct{ sent map[string]int }

func (s sender) Send(_ context.Context, m domain.Message) error { s.sent[m.ID]++; return nil }

// Demo builds a small deterministic demo database.
func Demo(t testing.TB, patients, bookings int) *Env {
	t.Helper()
	cfg, err := config.Load(config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := storage.Open(filepath.Join(t.TempDir(), "k.db"), storage.Options{BulkLoad: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := (&service.Service{Store: st, Clock: domain.FixedClock{T: Now}, Catalogue: cfg.Catalogue(),
		Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(),
		Schedule: cfg.DomainSchedule()}).As("anna")
	if _, err := demo.Generate(context.Background(), svc, Now, demo.Options{Patients: patients, Bookings: bookings, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	e := &Env{St: st, Svc: svc, Sent: map[string]int{}}
	snd := sender{e.Sent}
	e.Loop = service.NewLoop(svc, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd}, nil)
	return e
}

// EnvCommon is a terminal of w×h without colour.
func EnvCommon(e *Env, w, h int) *common.Common {
	c := common.NewCommon(context.Background(), common.Backend{Service: e.Svc, Store: e.St, Hub: e.Svc.Hub}, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
	c.Width, c.Height = w, h
	return c
}

// Run executes cmd and feeds what it returns back into the model, as the
// Bubble Tea runtime would, until nothing is left (or a step limit is hit).
func Run(t testing.TB, m tea.Model, cmd tea.Cmd) tea.Model {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 500 {
			t.Fatal("commands keep coming")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg := c()
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			return m
		default:
			// tea.Sequence's message is an unexported []tea.Cmd: run them in order.
			if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
				for i := 0; i < v.Len(); i++ {
					m = Run(t, m, v.Index(i).Interface().(tea.Cmd))
				}
				continue
			}
			var next tea.Cmd
			m, next = m.Update(msg)
			queue = append(queue, next)
		}
	}
	return m
}

// Keys sends keys ("j", "enter", "esc", "down", …) one by one.
func Keys(t testing.TB, m tea.Model, keys ...string) tea.Model {
	t.Helper()
	for _, k := range keys {
		msg := Key(k)
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		m = Run(t, m, cmd)
	}
	return m
}

// Contains fails the test for each of want the view lacks.
func Contains(t testing.TB, view string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(view, w) {
			t.Errorf("screen lacks %q:\n%s", w, view)
		}
	}
}
