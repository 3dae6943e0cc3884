package main

import (
	"encoding/json"
	"io"
)

// jsonList streams a JSON array so that listings of any size never sit in
// memory whole.
type jsonList struct {
	w       io.Writer
	enabled bool
	n       int
}

func newJSONList(w io.Writer, enabled bool) *jsonList { return &jsonList{w: w, enabled: enabled} }

func (l *jsonList) add(v any) error {
	b, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	sep := ",\n  "
	if l.n == 0 {
		sep = "[\n  "
	}
	l.n++
	_, err = io.WriteString(l.w, sep+string(b))
	return err
}

func (l *jsonList) close() error {
	if l.n == 0 {
		_, err := io.WriteString(l.w, "[]\n")
		return err
	}
	_, err := io.WriteString(l.w, "\n]\n")
	return err
}
