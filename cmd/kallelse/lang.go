package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kallelse/kallelse/adapters/spoolfs"
	"github.com/kallelse/kallelse/domain"
	"github.com/kallelse/kallelse/storage"
	"github.com/kallelse/kallelse/tui/i18n"
)

// lang is the language of this invocation's human output: --lang, else
// (over SSH) the server's, else the configuration's ui.language, else
// $KALLELSE_UI__LANGUAGE when the configuration cannot be read, else
// Swedish. It is decided once, at the first text.
func (a *app) lang() i18n.Lang {
	if a.langSet {
		return a.langVal
	}
	l := i18n.Swedish
	switch {
	case a.langFlag == string(i18n.Swedish) || a.langFlag == string(i18n.English):
		l = i18n.Lang(a.langFlag)
	case a.remote != nil:
		l = a.remote.state.lang
	default:
		if cfg, err := a.loadConfig(); err == nil {
			l = uiLang(cfg)
		} else if a.getenv("KALLELSE_UI__LANGUAGE") == string(i18n.English) {
			l = i18n.English
		}
	}
	a.langSet, a.langVal = true, l
	return l
}

// T is the catalogue's text for key in the invocation's language; an
// error among the arguments is put in words too (errorText).
func (a *app) T(key string, args ...any) string { return wordsT(key, args...).text(a.lang()) }

// checkLangFlag refuses a --lang that is neither sv nor en.
func (a *app) checkLangFlag() error {
	switch a.langFlag {
	case "", string(i18n.Swedish), string(i18n.English):
		return nil
	}
	return usageT("cli_err_lang", domain.QuoteShort(a.langFlag, 20))
}

// msgError is an error worded by the catalogue: a key and its arguments,
// put into words in the invocation's language when printed (errorText).
// Error is the English, for logs and tests; errors among the arguments are
// wrapped, so errors.Is and errors.As see them.
type msgError struct {
	key  string
	args []any
}

// errT is an error in the catalogue's words (exit status 1).
func errT(key string, args ...any) error { return &msgError{key: key, args: args} }

// usageT is a usage error in the catalogue's words (exit status 2).
func usageT(key string, args ...any) error {
	return &exitCodeError{code: exitUsage, err: errT(key, args...)}
}

// invalidT is an input refused, in the catalogue's words (exit status 4).
func invalidT(key string, args ...any) error {
	return &exitCodeError{code: exitInvalid, err: errT(key, args...)}
}

// wordsT is a phrase in the catalogue's words, to be put into words with
// the message it is an argument of.
func wordsT(key string, args ...any) *msgError { return &msgError{key: key, args: args} }

func (e *msgError) Error() string { return e.text(i18n.English) }

func (e *msgError) text(lang i18n.Lang) string {
	args := make([]any, len(e.args))
	for i, x := range e.args {
		switch v := x.(type) {
		case localizer:
			x = v.text(lang)
		case error:
			x = errorText(lang, v)
		}
		args[i] = x
	}
	return i18n.T(lang, e.key, args...)
}

func (e *msgError) Unwrap() []error {
	var errs []error
	for _, x := range e.args {
		if err, ok := x.(error); ok {
			errs = append(errs, err)
		}
	}
	return errs
}

// localizer is what is put into words in a language when printed.
type localizer interface{ text(lang i18n.Lang) string }

// phrases are phrases in the catalogue's words, joined by sep.
type phrases struct {
	list []*msgError
	sep  string
}

func (p phrases) text(lang i18n.Lang) string {
	out := make([]string, len(p.list))
	for i, m := range p.list {
		out[i] = m.text(lang)
	}
	return strings.Join(out, p.sep)
}

// cliErrorWords are the sentences for the errors of the layers below the
// domain that reach the command line (the domain's own are i18n's).
var cliErrorWords = []i18n.ErrorWords{
	{Err: storage.ErrDatabaseInUse, Key: "cli_err_in_use"},
	{Err: storage.ErrNoDatabase, Key: "cli_err_no_database"},
	{Err: storage.ErrBackupDamaged, Key: "cli_err_backup_damaged"},
	{Err: storage.ErrDamaged, Key: "cli_err_damaged"},
	{Err: spoolfs.ErrOtherDatabase, Key: "cli_err_other_spool"},
	{Err: spoolfs.ErrCopyOfDatabase, Key: "cli_err_copy_spool"},
	{Err: domain.ErrPatientNotFound, Key: "cli_err_patient_not_found"}, // before the screens' "Finns inte"
}

// errorText puts err in words in lang: an error of the command line's own
// from the catalogue, any other with the catalogue's sentence for what it
// wraps and its detail (which says where: the file, the line, the value).
func errorText(lang i18n.Lang, err error) string {
	switch e := err.(type) {
	case *exitCodeError:
		return errorText(lang, e.err)
	case *msgError:
		return e.text(lang)
	}
	var de *storage.DamagedError
	if errors.As(err, &de) && strings.Contains(err.Error(), de.Error()) {
		return strings.Replace(err.Error(), de.Error(), i18n.T(lang, "cli_err_damaged_file", de.Path, de.Reason), 1)
	}
	return i18n.ErrorDetail(lang, err, cliErrorWords...)
}

// fmtVisit is a visit's time with its weekday: "tis 2026-12-01 09:30".
func fmtVisit(lang i18n.Lang, t time.Time) string {
	return i18n.WeekdayShort(lang, t) + " " + fmtLocal(t)
}

// labels writes "label: value" lines with the values in one column, the
// labels padded to the widest of the block in the invocation's language.
type labels struct {
	w      io.Writer
	indent string
	width  int
}

func (a *app) labels(w io.Writer, indent string, keys ...string) *labels {
	l := &labels{w: w, indent: indent}
	for _, k := range keys {
		l.width = max(l.width, utf8.RuneCountInString(a.T(k))+1)
	}
	return l
}

// line writes one line; an empty label continues the one above.
func (l *labels) line(label, value string) {
	head := ""
	if label != "" {
		head = label + ":"
	}
	fmt.Fprintf(l.w, "%s%s%s %s\n", l.indent, head, strings.Repeat(" ", max(0, l.width-utf8.RuneCountInString(head))), value)
}

// warn writes a warning for a person on stderr.
func (a *app) warn(text string) {
	fmt.Fprintf(a.stderr, "%s: %s\n", a.T("cli_warning"), text)
}

// errorLine writes an error that did not stop the command on stderr.
func (a *app) errorLine(err error) {
	fmt.Fprintf(a.stderr, "%s: %s\n", a.T("cli_error"), errorText(a.lang(), err))
}
