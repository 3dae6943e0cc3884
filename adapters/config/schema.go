package config

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gotoml "github.com/pelletier/go-toml/v2"

	"github.com/kallelse/kallelse/domain"
)

// The schema is the Config struct seen as the tree of keys a file or the
// environment may set: tables (structs), tables of tables named by the user
// (exams.<code>, sites.<code>, staff.<user>) and values. Each source is
// checked against it before it is laid over the others, so that an unknown
// key or a value of the wrong type is reported with the source it came from.

type nodeKind int

const (
	table   nodeKind = iota // a struct: fixed keys
	named                   // a map: keys chosen by the user, each the same table
	leafStr                 // string
	leafBool
	leafInt
	leafDur  // time.Duration, written "45m"
	leafStrs // []string
	leafDate // Date: a TOML date (2026-11-04) or the same as text
)

type node struct {
	kind   nodeKind
	fields map[string]*node // table
	elem   *node            // named
}

var schema = buildSchema(reflect.TypeFor[Config]())

func buildSchema(t reflect.Type) *node {
	switch {
	case t == reflect.TypeFor[time.Duration]():
		return &node{kind: leafDur}
	case t == reflect.TypeFor[Date]():
		return &node{kind: leafDate}
	case t.Kind() == reflect.Struct:
		n := &node{kind: table, fields: map[string]*node{}}
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("koanf")
			if !f.IsExported() || tag == "" {
				continue
			}
			n.fields[tag] = buildSchema(f.Type)
		}
		return n
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return &node{kind: named, elem: buildSchema(t.Elem())}
	case t.Kind() == reflect.String:
		return &node{kind: leafStr}
	case t.Kind() == reflect.Bool:
		return &node{kind: leafBool}
	case t.Kind() == reflect.Int:
		return &node{kind: leafInt}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return &node{kind: leafStrs}
	}
	panic("config: no schema for " + t.String())
}

// bound is the range of a number or a duration key.
type bound struct {
	min, max int64 // whole numbers, or time.Duration
	zeroOK   bool  // 0 is allowed besides min..max ("never")
	example  string
	why      string // appended to the range error
}

// bounds are the ranges of every number and duration key, by key with "*"
// for the name of an exam, a site or a person. The README lists them.
var bounds = map[string]bound{
	"exams.*.duration":            {min: int64(5 * time.Minute), max: int64(12 * time.Hour), example: "45m"},
	"exams.*.stage":               {min: 1, max: 9},
	"schedule.fallback_after":     {min: int64(time.Hour), max: int64(14 * 24 * time.Hour), example: "72h"},
	"schedule.postal_lead_days":   {min: 1, max: 10},
	"schedule.reminder_min_lead":  {min: 0, max: int64(24 * time.Hour), example: "2h"},
	"schedule.phone_task_after":   {min: int64(15 * time.Minute), max: int64(72 * time.Hour), example: "24h"},
	"loop.interval":               {min: int64(time.Second), max: int64(time.Hour), example: "30s"},
	"server.idle_timeout":         {min: int64(time.Minute), max: int64(24 * time.Hour), zeroOK: true, example: "8h"},
	"guardians.letters_below_age": {min: 1, max: domain.AdultAge},
	"guardians.sms_below_age":     {min: 1, max: domain.AdultAge},
	"backup.keep":                 {min: 1, max: 365},
	"audit.retention_years": {min: 5, max: 100,
		why: " (the access log must be kept at least 5 years, HSLF-FS 2016:40 4 kap.)"},
}

// pattern is key with the names of exams, sites and people replaced by "*".
func pattern(key string) string {
	parts := strings.Split(key, ".")
	n := schema
	for i, p := range parts {
		if n == nil {
			break
		}
		switch n.kind {
		case table:
			n = n.fields[p]
		case named:
			parts[i] = "*"
			n = n.elem
		default:
			n = nil
		}
	}
	return strings.Join(parts, ".")
}

// span says a bound's range in words: "between 5m and 12h".
func (b bound) span(dur bool) string {
	f := func(v int64) string { return strconv.FormatInt(v, 10) }
	if dur {
		f = func(v int64) string { return fmtDur(time.Duration(v)) }
	}
	s := "between " + f(b.min) + " and " + f(b.max)
	if b.zeroOK {
		s = f(0) + " (never) or " + s
	}
	return s
}

func checkInt(key string, v int, given bool) error {
	b := bounds[pattern(key)]
	if !given {
		return fmt.Errorf("%s: missing (%s)", key, b.span(false))
	}
	if int64(v) < b.min || int64(v) > b.max {
		return fmt.Errorf("%s: %d is not %s%s", key, v, b.span(false), b.why)
	}
	return nil
}

func checkDur(key string, v time.Duration, given bool) error {
	b := bounds[pattern(key)]
	if !given {
		return fmt.Errorf("%s: missing (e.g. %q, %s)", key, b.example, b.span(true))
	}
	if v == 0 && b.zeroOK {
		return nil
	}
	if int64(v) < b.min || int64(v) > b.max {
		return fmt.Errorf("%s: %s is not %s%s", key, fmtDur(v), b.span(true), b.why)
	}
	return nil
}

// unitHint is the error of a duration written without a unit, or not as a
// duration at all.
func unitHint(key, given string, hasNoUnit bool) error {
	b := bounds[pattern(key)]
	what := "is not a duration"
	if hasNoUnit {
		what = "has no unit"
	}
	return fmt.Errorf("%s: %s %s; write it with a unit, e.g. %q (%s)", key, given, what, b.example, b.span(true))
}

// fmtDur writes d as it would be configured: 12h, 1h30m, 45m, 30s, 1ns.
func fmtDur(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// keyPath writes a key as TOML would, quoting the parts that are not bare keys.
func keyPath(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = p
		if !bareKey(p) {
			out[i] = strconv.Quote(p)
		}
	}
	return strings.Join(out, ".")
}

func bareKey(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// show renders a value as given in a file, for an error.
func show(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case map[string]any:
		return "a table"
	case []any:
		return "a list"
	case float64:
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if math.IsInf(v, 0) || math.IsNaN(v) || len(s) > 24 {
			s = strconv.FormatFloat(v, 'g', -1, 64)
		}
		if !strings.ContainsAny(s, ".eIN") {
			s += ".0"
		}
		return s
	case time.Time:
		return v.Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// origins records, for every key a source set, which source it was: the
// errors of the merged configuration then say where to look.
type origins map[string]string

// checkTree checks a parsed file against the schema; set records each key
// with where.
func checkTree(n *node, path []string, v any, where string, set origins) error {
	key, plain := keyPath(path), strings.Join(path, ".")
	switch n.kind {
	case table, named:
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %s is not a table", key, show(v))
		}
		if n.kind == named {
			set[plain] = where
		}
		for _, name := range sortedKeys(m) {
			sub := append(path[:len(path):len(path)], name)
			var next *node
			if n.kind == table {
				next = n.fields[name]
				if next == nil {
					return fmt.Errorf("unknown key %s", keyPath(sub))
				}
			} else {
				if name == "" || strings.Contains(name, ".") {
					return fmt.Errorf("%s: a name can be neither empty nor contain \".\"", keyPath(sub))
				}
				next = n.elem
			}
			if err := checkTree(next, sub, m[name], where, set); err != nil {
				return err
			}
		}
		return nil
	}
	set[plain] = where
	switch n.kind {
	case leafStr:
		switch v.(type) {
		case string:
		case int64, float64, bool, time.Time, gotoml.LocalDate, gotoml.LocalTime, gotoml.LocalDateTime:
			return fmt.Errorf("%s: %s is not text (write it in quotes)", key, show(v))
		default:
			return fmt.Errorf("%s: %s is not text", key, show(v))
		}
	case leafBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %s is not true or false", key, show(v))
		}
	case leafInt:
		switch v := v.(type) {
		case int64:
			if v < math.MinInt || v > math.MaxInt {
				return fmt.Errorf("%s: %d is not %s", key, v, bounds[pattern(plain)].span(false))
			}
		case float64:
			return fmt.Errorf("%s: %s is not a whole number (write it without a decimal point)", key, show(v))
		case string:
			if _, err := strconv.Atoi(v); err == nil {
				return fmt.Errorf("%s: %s is not a whole number (write it without quotes)", key, show(v))
			}
			return fmt.Errorf("%s: %s is not a whole number", key, show(v))
		default:
			return fmt.Errorf("%s: %s is not a whole number", key, show(v))
		}
	case leafDur:
		switch v := v.(type) {
		case string:
			return checkDurText(key, v)
		case int64, float64:
			return unitHint(key, show(v), true)
		default:
			return unitHint(key, show(v), false)
		}
	case leafDate:
		switch v := v.(type) {
		case gotoml.LocalDate:
		case string:
			if _, err := parseDate(v); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
		default:
			return fmt.Errorf("%s: %s is not a date (write it 2026-11-04)", key, show(v))
		}
	case leafStrs:
		l, ok := v.([]any)
		if !ok {
			if _, ok := v.(string); ok {
				return fmt.Errorf("%s: %s is not a list (write it in brackets: [%s])", key, show(v), show(v))
			}
			return fmt.Errorf("%s: %s is not a list of text", key, show(v))
		}
		for i, e := range l {
			if _, ok := e.(string); !ok {
				return fmt.Errorf("%s[%d]: %s is not text", key, i, show(e))
			}
		}
	}
	return nil
}

// Date is a calendar date in the configuration, kept as its text
// "2026-11-04": a TOML date (digital_since = 2026-11-04) is turned into
// that text before it is laid over the other sources.
type Date string

// parseDate reads "2026-11-04" as midnight in Europe/Stockholm.
func parseDate(s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, domain.Stockholm)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (write it 2026-11-04)", s)
	}
	return t, nil
}

// datesToText replaces the TOML dates of date keys in a checked tree by
// their text, which the Config struct holds.
func datesToText(n *node, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	for name, sub := range m {
		var next *node
		switch n.kind {
		case table:
			next = n.fields[name]
		case named:
			next = n.elem
		}
		switch {
		case next == nil:
		case next.kind == leafDate:
			if d, ok := sub.(gotoml.LocalDate); ok {
				m[name] = d.String()
			}
		default:
			datesToText(next, sub)
		}
	}
}

// checkDurText checks a duration written as text: "45m" is one, "45" has
// no unit.
func checkDurText(key, s string) error {
	if _, err := time.ParseDuration(s); err != nil {
		_, nerr := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return unitHint(key, strconv.Quote(s), nerr == nil)
	}
	return nil
}

// readEnviron reads the KALLELSE_* variables of environ as a nested map, each
// value of its key's type. A variable that is set but empty is as if unset.
func readEnviron(environ []string, set origins) (map[string]any, error) {
	out := map[string]any{}
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		rest := strings.TrimPrefix(name, EnvPrefix)
		if envNotConfig[rest] {
			continue
		}
		parts := strings.Split(strings.ToLower(strings.ReplaceAll(rest, "__", ".")), ".")
		key := keyPath(parts)
		fail := func(format string, a ...any) error {
			return fmt.Errorf("environment variable %s: "+format, append([]any{name}, a...)...)
		}
		n := schema
		var created []string // tables named by the user on the way: exams.<code>
		for i, p := range parts {
			switch n.kind {
			case table:
				n = n.fields[p]
			case named:
				if p == "" {
					n = nil
				} else {
					n = n.elem
					created = append(created, strings.Join(parts[:i+1], "."))
				}
			default:
				n = nil
			}
			if n == nil {
				return nil, fail("unknown key %s", key)
			}
			if i == len(parts)-1 && (n.kind == table || n.kind == named) {
				return nil, fail("%s is a table; set one of its keys (KALLELSE_%s__…)", key, rest)
			}
		}
		if val == "" {
			continue
		}
		if !utf8.ValidString(val) {
			return nil, fail("%s: the value is not UTF-8 text", key)
		}
		var v any = val
		switch n.kind {
		case leafBool:
			b, err := strconv.ParseBool(val)
			if err != nil {
				return nil, fail("%s: %q is not true or false", key, val)
			}
			v = b
		case leafInt:
			i, err := strconv.Atoi(val)
			if errors.Is(err, strconv.ErrRange) {
				return nil, fail("%s: %s is not %s", key, val, bounds[pattern(strings.Join(parts, "."))].span(false))
			}
			if err != nil {
				return nil, fail("%s: %q is not a whole number", key, val)
			}
			v = i
		case leafDur:
			if err := checkDurText(key, val); err != nil {
				return nil, fail("%v", err)
			}
		case leafStrs:
			v = []any{val}
		}
		set[strings.Join(parts, ".")] = "environment variable " + name
		for _, t := range created {
			if _, ok := set[t]; !ok {
				set[t] = "environment variable " + name // the first source of a table is its author
			}
		}
		m := out
		for _, p := range parts[:len(parts)-1] {
			sub, ok := m[p].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[p] = sub
			}
			m = sub
		}
		m[parts[len(parts)-1]] = v
	}
	return out, nil
}

// where says which source set key, or one of the tables it is in; "" for
// the defaults.
func (o origins) where(key string) string {
	for {
		if w, ok := o[key]; ok {
			return w
		}
		i := strings.LastIndexByte(key, '.')
		if i < 0 {
			return ""
		}
		key = key[:i]
	}
}

// keyError is a validation error about key (dotted, as the sources set
// it) whose message does not start with the key: one about a key that
// holds a control character, which the message quotes.
type keyError struct {
	key string
	err error
}

func (e *keyError) Error() string { return e.err.Error() }
func (e *keyError) Unwrap() error { return e.err }

// attribute prefixes a validation error "key: …" with the source that set
// the key, "configuration" when it is not known. A message that names a
// table in words a key cannot be cut from — a name with a space in it
// (`exams.Bad Code!: …`) or quoted (the roster's `staff "Anna": …`) — is
// the source's that set that table, or the longest key it starts with.
func (o origins) attribute(err error) error {
	var ke *keyError
	if errors.As(err, &ke) {
		if w := o.where(ke.key); w != "" {
			return fmt.Errorf("%s: %w", w, err)
		}
		return fmt.Errorf("configuration: %w", err)
	}
	msg := err.Error()
	if key, _, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(key, " /") {
		if i := strings.IndexByte(key, '['); i >= 0 {
			key = key[:i]
		}
		if w := o.where(key); w != "" {
			return fmt.Errorf("%s: %w", w, err)
		}
		return fmt.Errorf("configuration: %w", err)
	}
	if section, rest, ok := strings.Cut(msg, " "); ok && !strings.ContainsAny(section, ".:") {
		if q, qerr := strconv.QuotedPrefix(rest); qerr == nil {
			if name, uerr := strconv.Unquote(q); uerr == nil {
				if w := o.where(section + "." + name); w != "" {
					return fmt.Errorf("%s: %w", w, err)
				}
			}
		}
	}
	best := ""
	for key := range o {
		if len(key) > len(best) && len(msg) > len(key) && strings.HasPrefix(msg, key) && strings.ContainsRune(":.[ ", rune(msg[len(key)])) {
			best = key
		}
	}
	if best != "" {
		return fmt.Errorf("%s: %w", o[best], err)
	}
	return fmt.Errorf("configuration: %w", err)
}

// mapProvider hands koanf a map read and checked here.
type mapProvider map[string]any

func (m mapProvider) ReadBytes() ([]byte, error)    { return nil, errors.New("not supported") }
func (m mapProvider) Read() (map[string]any, error) { return m, nil }
