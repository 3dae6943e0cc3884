package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	shlex "github.com/anmitsu/go-shlex"
	"github.com/kallelse/kallelse/domain"
	"slices"
)

// TestSSHCommand_FlagFirstFollowsDoubleDash: the ssh command a local
// command is pointed to puts "--" before a remote command that begins with
// a flag, which OpenSSH would otherwise read as its own option and refuse
// ("unknown option -- -"); a command that begins with a verb is said as
// before.
func TestSSHCommand_FlagFirstFollowsDoubleDash(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--lang", "en", "booking", "list", "--limit", "1"}, "ssh -p 23299 localhost -- --lang en booking list --limit 1"},
		{[]string{"--lang=en", "booking", "list"}, "ssh -p 23299 localhost -- --lang=en booking list"},
		{[]string{"--help"}, "ssh -p 23299 localhost -- --help"},
		{[]string{"booking", "list", "--limit", "1"}, "ssh -p 23299 localhost booking list --limit 1"},
		{nil, "ssh -p 23299 localhost"},
	} {
		if got := sshCommand("127.0.0.1:23299", c.args); got != c.want {
			t.Errorf("sshCommand(%q) = %q, want %q", c.args, got, c.want)
		}
	}
}

// TestServer_HintWithAFlagFirstRuns: a local command that begins with a
// global flag, against the file serve holds, is pointed to an ssh command
// that works: the server receives what ssh sends of it — the words after
// the host, without the "--" that ssh takes for itself — and runs the
// command as typed. Where an OpenSSH client is installed, the hint runs
// as printed, through the shell, against the server.
func TestServer_HintWithAFlagFirstRuns(t *testing.T) {
	noLeaks(t)
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := gossh.NewPublicKey(pub)
	anna := staffKey{role: domain.RoleSekreterare, signer: signer, line: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk)))}
	s := startServer(t, map[string]staffKey{"anna": anna}, patientRow(1, "Tolvan Test")+patientRow(2, "Nils Ny"),
		[]string{"book", "--patient", testPNR(1), "--exam", "ekg24", "--site", "ryhov", "--at", "2026-12-01T09:30"},
		[]string{"book", "--patient", testPNR(2), "--exam", "ekg24", "--site", "ryhov", "--at", "2026-12-01T10:00"})

	_, errs, code := s.local("--lang", "en", "booking", "list", "--limit", "1")
	if code != exitInUse {
		t.Fatalf("local command: exit %d, %q", code, errs)
	}
	var hint string
	for _, line := range strings.Split(errs, "\n") {
		if l := strings.TrimSpace(line); strings.HasPrefix(l, "ssh ") {
			hint = l
		}
	}
	_, port, _ := strings.Cut(s.addr, ":")
	if want := "ssh -p " + port + " localhost -- --lang en booking list --limit 1"; hint != want {
		t.Errorf("the hint is %q, want %q (all: %q)", hint, want, errs)
	}

	// What OpenSSH sends: the words after the host, the options it reads
	// there (a word beginning with "-" before any "--") its own, "--" taken.
	words := strings.Fields(hint)[4:]
	switch {
	case len(words) > 0 && words[0] == "--":
		words = words[1:]
	case len(words) > 0 && strings.HasPrefix(words[0], "-"):
		t.Errorf("ssh would read %q as its own option: %q", words[0], hint)
	}
	out, errs, code := s.ssh("anna", "", words...)
	if code != 0 || strings.Count(out, "\n") != 2 || !strings.HasPrefix(out, "ID ") || !strings.Contains(errs, "1 booking") {
		t.Errorf("%q over ssh: exit %d, %q %q", words, code, out, errs)
	}

	bin, err := exec.LookPath("ssh")
	if err != nil {
		t.Log("no ssh client here: the hint is not run as printed")
		return
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	opts := "ssh -F /dev/null -i " + keyFile + " -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes" +
		" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 "
	cmd := exec.CommandContext(ctx, "sh", "-c", strings.Replace(hint, "ssh ", opts, 1))
	cmd.Env = []string{"PATH=" + filepath.Dir(bin) + ":/usr/bin:/bin", "HOME=" + t.TempDir()}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil || strings.Count(o.String(), "\n") != 2 || !strings.HasPrefix(o.String(), "ID ") {
		t.Fatalf("the hint as printed: %v, %q %q", err, o.String(), e.String())
	}
}

// The hint's words arrive at the server as typed: the local shell takes
// one level of quoting and the server, which splits the command as a shell
// does, the other, so a note with spaces (and quotes) stays one value. An
// identity number is named, never repeated.
func TestSSHCommand_AValueWithSpacesArrivesWhole(t *testing.T) {
	for _, args := range [][]string{
		{"booking", "cancel", "7", "--note", "patienten ringde"},
		{"booking", "cancel", "7", "--note", `han sa "nej" och 'kanske'`},
		{"booking", "cancel", "7", "--note", "kostar $5 \\ ej!"},
		{"--lang", "en", "booking", "keep", "7", "--note", "ring igen"},
	} {
		hint := sshCommand("127.0.0.1:23299", args)
		local, err := shlex.Split(hint, true) // the shell the hint is typed into
		if err != nil {
			t.Fatalf("%q: %v", hint, err)
		}
		words := local[4:] // ssh -p 23299 localhost
		if words[0] == "--" {
			words = words[1:] // ssh's own
		}
		got, err := shlex.Split(strings.Join(words, " "), true) // the server
		if err != nil || !slices.Equal(got, args) {
			t.Errorf("%q: the server runs %q (%v), want %q", hint, got, err, args)
		}
	}
	if hint := sshCommand("127.0.0.1:23299", []string{"patient", "show", "19121212-1212"}); strings.Contains(hint, "1212") {
		t.Errorf("the hint repeats the identity number: %q", hint)
	}
}

// Every verb a copy of the database may be read with is a verb, and one
// that only reads: a name mistyped here would refuse what it means to let
// through, and a writing verb would put the copy's letters in the
// original's folder.
func TestReadingVerbs_AreVerbsThatRead(t *testing.T) {
	root := (&app{ctx: context.Background()}).rootCommand()
	for verb := range readingVerbs {
		c, rest, err := root.Find(strings.Fields(verb))
		if err != nil || len(rest) != 0 || strings.TrimPrefix(c.CommandPath(), root.Name()+" ") != verb {
			t.Errorf("%q is no verb (%v)", verb, err)
		}
	}
	for _, writes := range []string{"tick", "book", "booking cancel", "print batch", "print mark-printed", "simulate", "patient import", "serve", "demo"} {
		if readingVerbs[writes] {
			t.Errorf("%q writes, and is let read a copy", writes)
		}
	}
}
