package metrics

import (
	"reflect"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kallelse/kallelse/domain"
)

func TestTotals_BinaryRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var tot Totals
		for i := rapid.IntRange(0, 30).Draw(t, "facts"); i > 0; i-- {
			f := Fact{DigitalSent: rapid.IntRange(0, 1).Draw(t, "d"), Opened: rapid.IntRange(0, 1).Draw(t, "o"),
				OpenDelay: time.Duration(rapid.Int64Range(0, int64(60*24*time.Hour)).Draw(t, "delay")),
				NoShow:    rapid.IntRange(0, 1).Draw(t, "n"), Reminders: rapid.IntRange(0, 3).Draw(t, "r")}
			if rapid.Bool().Draw(t, "complement") {
				f.Complement = map[domain.Reason]int{rapid.SampledFrom(domain.AllReasons).Draw(t, "reason"): 1}
			}
			tot.Add(f, rapid.SampledFrom([]int{1, 1, -1}).Draw(t, "sign"))
		}
		data, err := tot.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back Totals
		if err := back.UnmarshalBinary(data); err != nil {
			t.Fatal(err)
		}
		if len(tot.Complement) == 0 {
			tot.Complement = nil
		}
		if !reflect.DeepEqual(back, tot) {
			t.Fatalf("round trip:\n%+v\n%+v", back, tot)
		}
		for cut := 0; cut < len(data); cut++ {
			var x Totals
			if x.UnmarshalBinary(data[:cut]) == nil {
				t.Fatalf("a truncated row (%d of %d bytes) decoded", cut, len(data))
			}
		}
	})
}
