package domain

import (
	"reflect"
	"testing"
	"time"
)

var pilot = PolicyOptions{Samordningsnummer: SamordningsnummerDigitalAndPaper}

func assertDecision(t *testing.T, got Decision, label string, reasons ...Reason) {
	t.Helper()
	if got.Label() != label {
		t.Errorf("channels = %s, want %s", got.Label(), label)
	}
	if len(reasons) == 0 {
		reasons = nil
	}
	if !reflect.DeepEqual(got.Reasons, reasons) {
		t.Errorf("reasons = %v, want %v", got.Reasons, reasons)
	}
}

func TestR1_ExamNotDigitalGetsPaperOnly(t *testing.T) {
	p := newTestPatient(t, "")
	assertDecision(t, DecideChannels(p, examPaper, ref, pilot), "paper", ReasonExamNotDigital)
	// Complement reasons do not apply: the paper letter is the summons itself.
	minor := newTestPatient(t, validPnr(2015, 1, 1, 111))
	assertDecision(t, DecideChannels(minor, examPaper, ref, pilot), "paper", ReasonExamNotDigital)
}

func TestR3_InterpreterIsRecordedForNonDigitalExaminationsToo(t *testing.T) {
	minor := newTestPatient(t, validPnr(2015, 1, 1, 111), withInterpreter("arabiska"))
	assertDecision(t, DecideChannels(minor, examPaper, ref, pilot), "paper", ReasonExamNotDigital, ReasonInterpreter)
}

func TestR2_DigitalPatientGetsDigitalOnly(t *testing.T) {
	assertDecision(t, DecideChannels(newTestPatient(t, ""), examDigital, ref, pilot), "digital")
}

func TestR3_Under18GetsPaperAsWell(t *testing.T) {
	p := newTestPatient(t, validPnr(2010, 6, 1, 222))
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "digital+paper", ReasonUnder18)
}

func TestR3_AgeIsTakenWhenTheSummonsIsSent(t *testing.T) {
	p := newTestPatient(t, validPnr(2008, 11, 26, 222)) // turns 18 the day after ref
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "digital+paper", ReasonUnder18)
	assertDecision(t, DecideChannels(p, examDigital, ref.Add(24*time.Hour), pilot), "digital")
}

func TestR3_InterpreterGetsPaperAsWell(t *testing.T) {
	p := newTestPatient(t, "", withInterpreter("somaliska"))
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "digital+paper", ReasonInterpreter)
}

func TestR3_SamordningsnummerGetsPaperAsWell(t *testing.T) {
	p := newTestPatient(t, validPnr(1980, 5, 77, 234))
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "digital+paper", ReasonSamordningsnr)
}

func TestR3_SamordningsnummerPaperOnlyUnderTheFAQReading(t *testing.T) {
	p := newTestPatient(t, validPnr(1980, 5, 77, 234))
	faq := PolicyOptions{Samordningsnummer: SamordningsnummerPaperOnly}
	assertDecision(t, DecideChannels(p, examDigital, ref, faq), "paper", ReasonSamordningsnr)
}

func TestR3_ReservnummerGetsPaperOnly(t *testing.T) {
	p := newTestPatient(t, "19800517-K123")
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "paper", ReasonReservnummer)
	// Under the FAQ reading too: no inbox can be addressed either way.
	assertDecision(t, DecideChannels(p, examDigital, ref, PolicyOptions{Samordningsnummer: SamordningsnummerPaperOnly}), "paper", ReasonReservnummer)
}

func TestR3_No1177AccountGetsPaperAsWell(t *testing.T) {
	p := newTestPatient(t, "", withoutAccount())
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "digital+paper", ReasonNo1177Account)
}

func TestR3_NotificationsOffGetsPaperAsWell(t *testing.T) {
	p := newTestPatient(t, "", withNotificationsOff())
	assertDecision(t, DecideChannels(p, examDigital, ref, pilot), "digital+paper", ReasonNotificationsOff)
}

func TestR3_CombinedReasonsAreAllRecordedInOrder(t *testing.T) {
	cases := []struct {
		name    string
		p       Patient
		label   string
		reasons []Reason
	}{
		{"minor with interpreter and no account", newTestPatient(t, validPnr(2012, 3, 3, 333), withInterpreter("tigrinja"), withoutAccount()),
			"digital+paper", []Reason{ReasonUnder18, ReasonInterpreter, ReasonNo1177Account}},
		{"samordningsnummer with notifications off", newTestPatient(t, validPnr(1990, 1, 61, 444), withNotificationsOff()),
			"digital+paper", []Reason{ReasonSamordningsnr, ReasonNotificationsOff}},
		{"minor reservnummer with interpreter", newTestPatient(t, "20150101-R001", withInterpreter("dari")),
			"paper", []Reason{ReasonUnder18, ReasonInterpreter, ReasonReservnummer}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assertDecision(t, DecideChannels(c.p, examDigital, ref, pilot), c.label, c.reasons...)
		})
	}
}

func TestR3_EveryReasonCodeIsReachable(t *testing.T) {
	seen := map[Reason]bool{}
	for _, d := range []Decision{
		DecideChannels(newTestPatient(t, validPnr(2012, 3, 3, 333), withInterpreter("dari")), examDigital, ref, pilot),
		DecideChannels(newTestPatient(t, validPnr(1990, 1, 61, 444), withoutAccount()), examDigital, ref, pilot),
		DecideChannels(newTestPatient(t, "19800517-K123"), examDigital, ref, pilot),
		DecideChannels(newTestPatient(t, "", withNotificationsOff()), examDigital, ref, pilot),
		DecideChannels(newTestPatient(t, ""), examPaper, ref, pilot),
	} {
		for _, r := range d.Reasons {
			seen[r] = true
		}
	}
	for _, r := range AllReasons {
		if !seen[r] {
			t.Errorf("reason %s never produced", r)
		}
	}
}
