package main

import (
	"fmt"
	"os/user"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kallelse/kallelse/domain"
)

// principal is who this invocation acts as.
//
// Over SSH it is the roster member who owns the key the client signed with.
// Locally, without a roster (a single-user installation, the demo, the
// tests) it is --user, $KALLELSE_USER or the login name, with every right.
// Locally with a roster, it is the member whose os_user (default: their
// user name) is the operating-system login: the roster decides the role,
// and --user may only repeat who that is.
func (a *app) principal() (domain.Principal, error) {
	if a.remote != nil {
		return a.remote.sess.Staff.Principal(), nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return domain.Principal{}, err
	}
	r := cfg.Roster()
	if r.Len() == 0 {
		name, err := a.actor()
		if err != nil {
			return domain.Principal{}, err
		}
		return domain.Principal{User: name, Name: name, Role: domain.RoleAdmin}, nil
	}
	login := a.osLogin()
	m, ok := r.ByOSUser(login)
	if !ok {
		return domain.Principal{}, errT("cli_err_not_in_roster", login, login)
	}
	for _, v := range []string{a.userFlag, a.getenv("KALLELSE_USER")} {
		if v = strings.TrimSpace(v); v != "" && v != m.User {
			return domain.Principal{}, usageT("cli_err_roster_user", v, m.User, login)
		}
	}
	return m.Principal(), nil
}

// roster is the staff roster in force: the server's, as last reloaded,
// over SSH; the configuration's here.
func (a *app) roster() (domain.Roster, error) {
	if a.remote != nil && a.remote.state.roster != nil {
		return a.remote.state.roster(), nil
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return domain.Roster{}, err
	}
	return cfg.Roster(), nil
}

// osLogin is the operating-system user running kallelse, as the system
// knows it (not $USER, which anyone can set).
func (a *app) osLogin() string {
	if a.loginName != nil {
		return a.loginName()
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return ""
}

// authorize checks a right for verbs that read no store (the configuration,
// the server's sessions): the same table the use cases ask.
func (a *app) authorize(perm domain.Permission) error {
	p, err := a.principal()
	if err != nil {
		return err
	}
	return p.Require(perm)
}

// maxUserName is the longest acting user's name taken from --user,
// $KALLELSE_USER or the login name, in characters. The roster's names are
// shorter still (1–32, domain.NewRoster); 64 leaves room for a
// single-user installation's login names, and a name of thousands of
// characters is a mistake, not a person.
const maxUserName = 64

// checkUserName refuses an acting user's name that would make the history
// lie or the terminal misbehave, as a usage error naming where it came from
// (source: "--user", "KALLELSE_USER", or the login name's words): a name
// the system records for itself (domain.ReservedUsers, in any case: `--user
// 1177 booking cancel 7` would read as the patient's own cancellation in
// 1177), a control or direction character or a byte that is not UTF-8
// (never echoed: the error names the code), or one longer than maxUserName.
// The name itself is repeated only when reserved, where it is short.
func checkUserName(source any, name string) error {
	for _, res := range domain.ReservedUsers {
		if strings.EqualFold(name, res) {
			return usageT("cli_err_user_reserved", source, res)
		}
	}
	for i, r := range name {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(name[i:]); n == 3 {
				continue // a real U+FFFD, written as such
			}
			return usageT("cli_err_user_not_utf8", source)
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			return usageT("cli_err_user_control", source, fmt.Sprintf("%U", r))
		}
	}
	if n := utf8.RuneCountInString(name); n > maxUserName {
		return usageT("cli_err_user_too_long", source, n, maxUserName)
	}
	return nil
}

// checkUserFlags refuses a --user or $KALLELSE_USER that no one may act
// as (checkUserName), before either is used or repeated in another error.
func (a *app) checkUserFlags() error {
	if v := strings.TrimSpace(a.userFlag); v != "" {
		if err := checkUserName("--user", v); err != nil {
			return err
		}
	}
	if v := strings.TrimSpace(a.getenv("KALLELSE_USER")); v != "" {
		if err := checkUserName("KALLELSE_USER", v); err != nil {
			return err
		}
	}
	return nil
}
