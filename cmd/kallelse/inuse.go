package main

import (
	"encoding/json"
	"errors"
	"github.com/kallelse/kallelse/adapters/sshserver"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kallelse/kallelse/storage"
)

// serverInfo is what `kallelse serve` leaves next to the database it holds
// (<db>.serve.json), so that a local command that finds the file in use can
// say how to reach the server instead.
type serverInfo struct {
	PID         int       `json:"pid"`
	Listen      string    `json:"listen"`
	Fingerprint string    `json:"host_key_fingerprint"`
	Started     time.Time `json:"started"`
}

func serverInfoPath(db string) string { return db + ".serve.json" }

func writeServerInfo(db string, info serverInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	tmp := serverInfoPath(db) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, serverInfoPath(db))
}

func readServerInfo(db string) (serverInfo, bool) {
	b, err := os.ReadFile(serverInfoPath(db))
	if err != nil {
		return serverInfo{}, false
	}
	var info serverInfo
	if json.Unmarshal(b, &info) != nil || info.Listen == "" {
		return serverInfo{}, false
	}
	return info, true
}

// sshTarget is the host and port to give ssh for a listen address: the
// loopback name for loopback, this machine's name for all interfaces.
func sshTarget(listen string) (host, port string) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return listen, "22"
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || (ip != nil && ip.IsUnspecified()):
		if h, err := os.Hostname(); err == nil {
			return h, port
		}
		return "localhost", port
	case ip != nil && ip.IsLoopback():
		return "localhost", port
	}
	return host, port
}

// sshCommand is the ssh command line that runs args on the server. A
// command that begins with a flag (--lang en booking list) follows "--":
// OpenSSH reads options after the host too and refuses "--lang" as its
// own ("unknown option -- -"); it takes the "--" for itself and sends the
// rest, so the server reads the command as typed.
func sshCommand(listen string, args []string) string {
	host, port := sshTarget(listen)
	parts := []string{"ssh"}
	if port != "22" {
		parts = append(parts, "-p", port)
	}
	parts = append(parts, host)
	if len(args) > 0 && strings.HasPrefix(args[0], "-") {
		parts = append(parts, "--")
	}
	for _, a := range args {
		parts = append(parts, remoteQuote(a))
	}
	return strings.Join(parts, " ")
}

// identityLike is a word that reads as an identity number: the hint names
// it, never repeats it (the one who typed it types it again).
var identityLike = regexp.MustCompile(`^(\d{2})?\d{6}[-+]?[0-9A-Za-z]\d{3}$`)

// remoteQuote is a word of the command as the hint prints it: quoted for
// the server (which splits the command as a shell does) and again for the
// shell the hint is typed into, so that a value with spaces arrives whole:
// "'patienten ringde'" (README). An identity number is shown as a
// placeholder.
func remoteQuote(a string) string {
	if identityLike.MatchString(a) {
		return "ÅÅÅÅMMDD-NNNN"
	}
	q := shellQuote(a)
	if q == a {
		return a
	}
	if !strings.ContainsAny(q, "\"$`\\!") {
		return "\"" + q + "\""
	}
	return shellQuote(q)
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.,:/=+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// remoteArgs are this invocation's arguments without the global flags that
// name local things (--db, --config, --now, --user): over SSH the server's
// own and the key's owner apply.
func remoteArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(a, "=")
		switch name {
		case "--db", "--config", "--now", "--user":
			if !hasValue {
				i++
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

// localOnlyVerbs are refused over SSH (localOnly): while serve holds the
// file, the server has to stop first.
var localOnlyVerbs = map[string]bool{"restore": true, "compact": true, "demo": true, "serve": true, "simulate year": true}

// inUseError explains a database held by `kallelse serve`, with the ssh
// command that does the same there — or, for what is never done over SSH,
// that the server has to stop first.
func (a *app) inUseError(err error) error {
	if !errors.Is(err, storage.ErrDatabaseInUse) {
		return err
	}
	path := a.dbPath
	if path == "" {
		path = a.defaultDBPath()
	}
	info, ok := readServerInfo(path)
	if !ok {
		return &exitCodeError{code: exitInUse, err: errT("cli_err_in_use_path", path)}
	}
	verb := sshserver.VerbOf(a.args)
	if first, _, _ := strings.Cut(verb, " "); localOnlyVerbs[verb] || localOnlyVerbs[first] {
		// Refused over SSH too: the server has to stop first.
		return &exitCodeError{code: exitInUse, err: errT("cli_err_held_by_serve_stop", path, info.PID, info.Listen)}
	}
	args := remoteArgs(a.args)
	if first, _, _ := strings.Cut(verb, " "); first == "backup" {
		// Over SSH the file is a path on the server and must be absolute:
		// said as this folder's, which is on the same machine.
		if i := slices.Index(args, "backup") + 1; i > 0 && i < len(args) && !strings.HasPrefix(args[i], "-") && !filepath.IsAbs(args[i]) {
			if abs, err := filepath.Abs(args[i]); err == nil {
				args[i] = abs
			}
		}
	}
	what := wordsT("cli_in_use_same")
	if len(args) == 0 {
		what = wordsT("cli_in_use_tui")
	}
	return &exitCodeError{code: exitInUse, err: errT("cli_err_held_by_serve", path, info.PID, info.Listen, what, sshCommand(info.Listen, args))}
}
