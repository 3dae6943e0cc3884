package common

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/tui/i18n"
)

// KeyName is a key press's name (tea.KeyMsg.String), worked out once and
// matched against the bindings with key.Matches: KeyMsg.String builds the
// name anew on each call, and a key press on the bookings list is matched
// against some thirty bindings before it reaches the one it is.
type KeyName string

// String is the name, for key.Matches.
func (k KeyName) String() string { return string(k) }

// KeyMap is the one keymap; help groups it.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End      key.Binding
	Open, Back, Search, Filter, ClearFilter    key.Binding
	New, Attention, Print, Bookings, Dashboard key.Binding
	NewPatient, EditPatient                    key.Binding
	Paper, SMS, Cancel, Rebook, Attended       key.Binding
	NoShow, Phoned, Keep, UndoCancel           key.Binding
	Help, Quit                                 key.Binding
	// In a form, which takes typing: ? hides the keys again, and ctrl+c
	// quits (q is a letter there).
	FormHelp, FormQuit key.Binding
}

// NewKeyMap is every key with its help in lang; NewCommon then turns off
// those the user's role has no right to.
func NewKeyMap(lang i18n.Lang) KeyMap {
	sv := lang != i18n.English
	h := func(svText, enText string) string {
		if sv {
			return svText
		}
		return enText
	}
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", h("upp", "up"))),
		Down:        key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", h("ned", "down"))),
		PageUp:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", h("sida upp", "page up"))),
		PageDown:    key.NewBinding(key.WithKeys("pgdown", " "), key.WithHelp("pgdn", h("sida ned", "page down"))),
		Home:        key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", h("idag", "today"))),
		End:         key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", h("sist", "last"))),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", h("öppna", "open"))),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", h("tillbaka", "back"))),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", h("sök", "search"))),
		Filter:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", h("filter", "filter"))),
		ClearFilter: key.NewBinding(key.WithKeys("F"), key.WithHelp("F", h("rensa filter", "clear filter"))),
		New:         key.NewBinding(key.WithKeys("n"), key.WithHelp("n", h("ny bokning", "new booking"))),
		NewPatient:  key.NewBinding(key.WithKeys("N"), key.WithHelp("N", h("ny patient", "new patient"))),
		EditPatient: key.NewBinding(key.WithKeys("E"), key.WithHelp("E", h("ändra patient", "change patient"))),
		Attention:   key.NewBinding(key.WithKeys("a"), key.WithHelp("a", h("att hantera", "attention"))),
		Print:       key.NewBinding(key.WithKeys("u"), key.WithHelp("u", h("utskrifter", "print queue"))),
		Bookings:    key.NewBinding(key.WithKeys("b"), key.WithHelp("b", h("bokningar", "bookings"))),
		Dashboard:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", h("översikt", "overview"))),
		Paper:       key.NewBinding(key.WithKeys("P"), key.WithHelp("P", h("papperskallelse", "paper letter"))),
		SMS:         key.NewBinding(key.WithKeys("S"), key.WithHelp("S", h("sms-påminnelse", "SMS reminder"))),
		Cancel:      key.NewBinding(key.WithKeys("C"), key.WithHelp("C", h("avboka", "cancel"))),
		Rebook:      key.NewBinding(key.WithKeys("R"), key.WithHelp("R", h("boka om", "rebook"))),
		Attended:    key.NewBinding(key.WithKeys("D"), key.WithHelp("D", h("genomförd", "attended"))),
		NoShow:      key.NewBinding(key.WithKeys("X"), key.WithHelp("X", h("uteblev", "no-show"))),
		Phoned:      key.NewBinding(key.WithKeys("T"), key.WithHelp("T", h("uppringd", "phoned"))),
		Keep:        key.NewBinding(key.WithKeys("K"), key.WithHelp("K", h("behåll tiden", "keep the time"))),
		UndoCancel:  key.NewBinding(key.WithKeys("U"), key.WithHelp("U", h("ångra avbokning", "undo cancel"))),
		Help:        key.NewBinding(key.WithKeys("?"), key.WithHelp("?", h("all hjälp", "more help"))),
		Quit:        key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", h("avsluta", "quit"))),
		FormHelp:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", h("dölj tangenterna", "hide the keys"))),
		FormQuit:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", h("avsluta", "quit"))),
	}
}

// restrict disables the keys of what the user may not do: a disabled
// binding neither matches nor shows in the help, so the screen offers only
// what the role allows (the service refuses the rest whatever is sent).
// The bookings list, search, filter, needs attention and the print queue
// are the secretaries' work; a koordinator's home is the overview, from
// which drill-down (where the roster allows it) opens a booking.
func (k *KeyMap) restrict(may func(domain.Permission) bool, coordinator bool) {
	off := func(bs ...*key.Binding) {
		for _, b := range bs {
			b.SetEnabled(false)
		}
	}
	if !may(domain.PermPatientData) || coordinator {
		off(&k.Search, &k.Filter, &k.ClearFilter, &k.Attention, &k.Bookings)
	}
	if !may(domain.PermPatientData) && !may(domain.PermDrillDown) {
		off(&k.Open) // drill-down opens a booking behind a figure
	}
	if !may(domain.PermBook) {
		off(&k.New, &k.Paper, &k.SMS, &k.Cancel, &k.Rebook, &k.Attended, &k.NoShow, &k.Phoned, &k.Keep, &k.UndoCancel)
	}
	if !may(domain.PermImport) || coordinator {
		off(&k.NewPatient, &k.EditPatient)
	}
	if !may(domain.PermPrint) {
		off(&k.Print)
	}
	if !may(domain.PermReports) {
		off(&k.Dashboard)
	}
}

// ShortHelp and FullHelp make KeyMap a help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Open, k.Search, k.Filter, k.New, k.Attention, k.Print, k.Help, k.Quit}
}

// Elsewhere is the keys that lead to another page, for every page's full help.
func (k KeyMap) Elsewhere() []key.Binding {
	return []key.Binding{k.Bookings, k.Attention, k.Print, k.Dashboard, k.New, k.NewPatient, k.Help, k.Quit}
}

// PageHelp is a page's full help: its own keys (its keys line, less `?`,
// which the keys that lead elsewhere list), then those.
func (k KeyMap) PageHelp(own []key.Binding) [][]key.Binding {
	var first []key.Binding
	for _, b := range own {
		if b.Help().Key != k.Help.Help().Key {
			first = append(first, b)
		}
	}
	return [][]key.Binding{first, k.Elsewhere()}
}

// FullHelp groups every key.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Open, k.Back, k.Search, k.Filter, k.ClearFilter},
		{k.New, k.NewPatient, k.EditPatient, k.Attention, k.Print, k.Bookings, k.Dashboard},
		{k.Paper, k.SMS, k.Cancel, k.Rebook, k.Attended, k.NoShow, k.Phoned, k.Keep, k.UndoCancel},
		{k.Help, k.Quit},
	}
}

var _ help.KeyMap = KeyMap{}
