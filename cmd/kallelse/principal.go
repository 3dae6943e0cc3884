package main

import (
	"os/user"
	"strings"

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
		name := a.actor()
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
