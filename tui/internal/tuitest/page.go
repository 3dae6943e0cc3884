package tuitest

import (
	"context"
	"io"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/charmbracelet/lipgloss"
	"github.com/kallelse/kallelse/tui/common"
	"github.com/kallelse/kallelse/tui/i18n"
)

// Msgs runs cmd and the commands of any batch it returns, synchronously,
// and returns the messages in order.
func Msgs(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, Msgs(c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// Page plays the root for one page: it runs the page's commands,
// keeps what the root would take (info, errors, questions, navigation) and
// hands everything else back to the page. Like the root, it does not
// forward InfoMsg to the page.
type Page struct {
	T       testing.TB
	Comp    common.Component
	C       *common.Common        // the page's, whose posted messages the harness takes as the root would
	Infos   []string              // what the page said went well
	Warns   []string              // what it warned of
	Errs    []error               // what went wrong
	Nav     []tea.Msg             // where it asked the root to go
	Confirm *common.AskConfirmMsg // the question it asks, until answered
}

// Open opens the page mk makes, in the room the root would give it.
func Open[P common.Component](t *testing.T, c *common.Common, mk func(*common.Common) P) *Page {
	t.Helper()
	page := mk(c)
	page.SetSize(c.Width, c.Height-3)
	h := &Page{T: t, Comp: page, C: c}
	h.Do(page.Init())
	return h
}

// Do runs cmd as the root would: what the page posted or returned for the
// root is kept, everything else goes back to the page.
func (h *Page) Do(cmd tea.Cmd) {
	msgs := append(h.C.TakePosted(), Msgs(cmd)...)
	for _, msg := range msgs {
		switch msg := msg.(type) {
		case common.InfoMsg:
			h.Infos = append(h.Infos, msg.Text)
		case common.WarnMsg:
			h.Warns = append(h.Warns, msg.Text)
		case common.ErrorMsg:
			h.Errs = append(h.Errs, msg.Err)
		case common.AskConfirmMsg:
			h.Confirm = &msg
		case common.OpenDetailMsg, common.OpenFormMsg, common.BackMsg:
			h.Nav = append(h.Nav, msg)
		default:
			h.Do(send(h.Comp, msg))
		}
	}
}

// Send hands the page a message.
func (h *Page) Send(msg tea.Msg) { h.Do(send(h.Comp, msg)) }

// Key is the key message for a name ("enter", "down", …) or the runes typed.
func Key(k string) tea.KeyMsg {
	if t, ok := keyTypes[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// keyTypes are the keys Key knows by name.
var keyTypes = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown,
	"tab": tea.KeyTab, "left": tea.KeyLeft, "right": tea.KeyRight, "pgdown": tea.KeyPgDown,
	"pgup": tea.KeyPgUp, "backspace": tea.KeyBackspace, "ctrl+s": tea.KeyCtrlS, "ctrl+u": tea.KeyCtrlU,
	"ctrl+e": tea.KeyCtrlE, "ctrl+c": tea.KeyCtrlC,
}

// Key presses one named key (see Key).
func (h *Page) Key(k string) { h.Send(Key(k)) }

// yes answers the pending question with yes, as the root does.
func (h *Page) Yes() {
	h.T.Helper()
	if h.Confirm == nil {
		h.T.Fatal("no question asked")
	}
	run := h.Confirm.Run
	h.Confirm = nil
	h.Do(run)
}

// View is the page's drawing, with its own key lines under it when the
// root draws them (under the status line: common.KeysBelow).
func (h *Page) View() string {
	v := h.Comp.View()
	if k, ok := h.Comp.(common.KeysBelow); ok {
		v += "\n" + strings.Join(k.KeyLines(), "\n")
	}
	return v
}

// selected is the line drawn as selected.
func (h *Page) Selected() string {
	for _, l := range strings.Split(h.View(), "\n") {
		if strings.HasPrefix(l, "▸") {
			return l
		}
	}
	return ""
}

// selectRow moves the cursor from the top down to the row containing text.
func (h *Page) SelectRow(text string) {
	h.T.Helper()
	h.Key("g")
	for i := 0; i < 500; i++ {
		if strings.Contains(h.Selected(), text) {
			return
		}
		h.Key("down")
	}
	h.T.Fatalf("no row with %q in\n%s", text, h.View())
}

// CheckFits fails unless the view has exactly the page's lines, each
// within the width.
func CheckFits(t *testing.T, c *common.Common, view string) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) != c.Height-3 {
		t.Errorf("%d×%d: view has %d lines, want %d", c.Width, c.Height, len(lines), c.Height-3)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > c.Width {
			t.Errorf("%d×%d: line %d is %d wide: %q", c.Width, c.Height, i, w, l)
		}
	}
}

// NewCommon is a terminal of w×h without colour on backend b.
func NewCommon(b common.Backend, w, h int) *common.Common {
	c := common.NewCommon(context.Background(), b, i18n.Swedish, lipgloss.NewRenderer(io.Discard))
	c.Width, c.Height = w, h
	c.Help.Width = w
	return c
}

// Keys presses the named keys one by one (see Key).
func (h *Page) Keys(keys ...string) {
	for _, k := range keys {
		h.Key(k)
	}
}

// Went reports whether the page asked the root to go where msg says
// (OpenDetailMsg, BackMsg, …), and forgets what it asked before.
func (h *Page) Went(msg tea.Msg) bool {
	nav := h.Nav
	h.Nav = nil
	for _, n := range nav {
		if n == msg {
			return true
		}
	}
	return false
}
