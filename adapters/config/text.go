package config

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kallelse/kallelse/domain"
)

// checkText refuses a control character in any text or key of the
// configuration: names, addresses and instructions go into letters, 1177
// messages and SMS and onto staff's terminals, where an escape would act
// rather than show, and a direction mark would turn the text around. An
// examination's preparation may hold line breaks and tabs (a letter prints
// its lines). The error names the key and the character, not the text.
func (c *Config) checkText() error {
	if c.k == nil {
		return nil
	}
	all := c.k.All()
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if i, r := badRune(key, false); i >= 0 {
			return &keyError{key: key, err: fmt.Errorf("the key %q holds the control character %U", key, r)}
		}
		var texts []string
		switch v := all[key].(type) {
		case string:
			texts = []string{v}
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					texts = append(texts, s)
				}
			}
		}
		for _, t := range texts {
			// (A key of staff's with a line break in it is the roster's
			// to refuse: "one key per string".)
			if i, r := badRune(t, strings.HasSuffix(key, ".preparation") || strings.HasSuffix(key, ".keys")); i >= 0 {
				if r == utf8.RuneError {
					return fmt.Errorf("%s: not UTF-8 text (byte %d)", key, i+1)
				}
				return fmt.Errorf("%s: holds the control character %U (character %d): write it as text", key, r, utf8.RuneCountInString(t[:i])+1)
			}
		}
	}
	return nil
}

// badRune is the byte offset and rune of the first control character,
// direction mark or invalid byte in s (-1 when none); lines allows line
// breaks (CRLF too) and tabs.
func badRune(s string, lines bool) (int, rune) {
	for i, r := range s {
		switch {
		case (r == '\n' || r == '\r' || r == '\t') && lines: // a file saved with CRLF, an indented list
		case r == utf8.RuneError, domain.NotShown(r):
			if r == utf8.RuneError {
				if _, n := utf8.DecodeRuneInString(s[i:]); n == 3 {
					continue // a real U+FFFD, written as such
				}
			}
			return i, r
		}
	}
	return -1, 0
}
