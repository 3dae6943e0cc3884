package tui

import (
	"testing"

	"github.com/kallelse/kallelse/domain"
)

// Every code the domain can produce has words in both languages.
func TestCatalogueCoversEveryCode(t *testing.T) {
	var keys []string
	for _, s := range domain.AllStates {
		keys = append(keys, "st_"+string(s))
	}
	for _, r := range domain.AllReasons {
		keys = append(keys, "rs_"+string(r))
	}
	for _, e := range domain.AllEventTypes {
		keys = append(keys, "ev_"+string(e))
	}
	for _, k := range domain.AllTimerKinds {
		keys = append(keys, "tm_"+string(k))
	}
	for _, k := range keys {
		m, ok := msgs[k]
		if !ok || m[0] == "" || m[1] == "" {
			t.Errorf("catalogue lacks %q", k)
		}
	}
	if T(Swedish, "st_cancelled") != "avbokad" || T(English, "st_cancelled") != "cancelled" {
		t.Error("language selection")
	}
}
