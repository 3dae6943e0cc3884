package main

import (
	"github.com/kallelse/kallelse/adapters/config"
	"github.com/kallelse/kallelse/adapters/sshserver"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/domain/service"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
)

// serverState is what `kallelse serve` shares with every session: the one
// open store, the base service (acting for nobody) with the event hub, the
// loop's runner and the SSH server itself.
type serverState struct {
	cfg   *config.Config
	store *storage.Store
	base  *service.Service
	run   *runner
	srv   *sshserver.Server
	lang  i18n.Lang
	// roster is the roster in force (reloaded on SIGHUP or a changed file),
	// not the one the configuration had at the start.
	roster func() domain.Roster
}

// remoteCtx is one SSH session running a command.
type remoteCtx struct {
	state *serverState
	sess  *sshserver.Session
}

// runRemote runs one CLI command of an SSH session against the server's
// database, as the key's owner: the same cobra tree, flags, output and
// exit statuses as locally.
func runRemote(st *serverState, sess *sshserver.Session) int {
	a := &app{ctx: sess.Ctx, stdin: sess.In, stdout: sess.Out, stderr: sess.Err,
		remote: &remoteCtx{state: st, sess: sess}, cfg: st.cfg}
	// No command and no terminal (ssh -T): the root verb says that the
	// terminal UI needs one, in the staff's words (it printed cobra's
	// English help and exited 0).
	// Never nil: cobra reads a nil argument list from os.Args, which on the
	// server is serve's own command line.
	return run(a, append([]string{}, sess.Command...))
}
