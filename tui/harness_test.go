package tui

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
)

// ktNow is the fixed instant of the TUI tests: Wednesday 25 November 2026.
var ktNow = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.Stockholm)

// ktEnv is a demo database, its service and loop, for driving the TUI.
type ktEnv struct {
	st   *storage.Store
	svc  *service.Service
	loop *service.Loop
	sent map[string]int
}

type ktSender struct{ sent map[string]int }

func (s ktSender) Send(_ context.Context, m domain.Message) error { s.sent[m.ID]++; return nil }

// ktDemo builds a small deterministic demo database.
func ktDemo(t testing.TB, patients, bookings int) *ktEnv {
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
	svc := (&service.Service{Store: st, Clock: domain.FixedClock{T: ktNow}, Catalogue: cfg.Catalogue(),
		Parser: cfg.IdentityParser(), Policy: cfg.PolicyOptions(), Clinic: cfg.ClinicInfo(),
		Schedule: cfg.DomainSchedule()}).As("anna")
	if _, err := demo.Generate(context.Background(), svc, ktNow, demo.Options{Patients: patients, Bookings: bookings, Seed: 4}); err != nil {
		t.Fatal(err)
	}
	e := &ktEnv{st: st, svc: svc, sent: map[string]int{}}
	snd := ktSender{e.sent}
	e.loop = service.NewLoop(svc, st, map[domain.MessageKind]domain.Sender{
		domain.MessageInbox: snd, domain.MessageLetter: snd, domain.MessageSMS: snd}, nil)
	return e
}

// ktCommon is a terminal of w×h without colour.
func ktCommon(e *ktEnv, w, h int) *Common {
	c := NewCommon(context.Background(), Backend{Service: e.svc, Store: e.st, Hub: e.svc.Hub}, Swedish, lipgloss.NewRenderer(io.Discard))
	c.Width, c.Height = w, h
	return c
}

// ktRun executes cmd and feeds what it returns back into the model, as the
// Bubble Tea runtime would, until nothing is left (or a step limit is hit).
func ktRun(t testing.TB, m tea.Model, cmd tea.Cmd) tea.Model {
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
					m = ktRun(t, m, v.Index(i).Interface().(tea.Cmd))
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

// ktKeys sends keys ("j", "enter", "esc", "down", …) one by one.
func ktKeys(t testing.TB, m tea.Model, keys ...string) tea.Model {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "up":
			msg = tea.KeyMsg{Type: tea.KeyUp}
		case "tab":
			msg = tea.KeyMsg{Type: tea.KeyTab}
		case "left":
			msg = tea.KeyMsg{Type: tea.KeyLeft}
		case "right":
			msg = tea.KeyMsg{Type: tea.KeyRight}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "pgup":
			msg = tea.KeyMsg{Type: tea.KeyPgUp}
		case "backspace":
			msg = tea.KeyMsg{Type: tea.KeyBackspace}
		case "ctrl+s":
			msg = tea.KeyMsg{Type: tea.KeyCtrlS}
		case "ctrl+u":
			msg = tea.KeyMsg{Type: tea.KeyCtrlU}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		m = ktRun(t, m, cmd)
	}
	return m
}

// ktStart sizes and initialises a root model.
func ktStart(t testing.TB, c *Common) *Model {
	t.Helper()
	m := New(c, true)
	var tm tea.Model = m
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: c.Width, Height: c.Height})
	return ktRun(t, tm, m.Init()).(*Model)
}

func ktContains(t testing.TB, view string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(view, w) {
			t.Errorf("screen lacks %q:\n%s", w, view)
		}
	}
}
