package domain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRoles_RightsTable(t *testing.T) {
	all := []Permission{PermPatientData, PermBook, PermImport, PermPrint, PermDeliveries, PermReports,
		PermDrillDown, PermAuditLog, PermConfig, PermOperate, PermPatientLists}
	want := map[string][]Permission{
		"sekreterare":            {PermPatientData, PermPatientLists, PermBook, PermImport, PermPrint, PermDeliveries},
		"koordinator":            {PermReports},
		"koordinator+drill_down": {PermReports, PermDrillDown},
		"admin":                  all,
		"nobody":                 nil,
	}
	principals := map[string]Principal{
		"sekreterare":            {User: "anna", Role: RoleSekreterare},
		"koordinator":            {User: "karl", Role: RoleKoordinator},
		"koordinator+drill_down": {User: "kim", Role: RoleKoordinator, DrillDown: true},
		"admin":                  {User: "ada", Role: RoleAdmin},
		"nobody":                 {},
	}
	for name, p := range principals {
		allowed := map[Permission]bool{}
		for _, perm := range want[name] {
			allowed[perm] = true
		}
		for _, perm := range all {
			if got := p.May(perm); got != allowed[perm] {
				t.Errorf("%s may %s: %v, want %v", name, perm, got, allowed[perm])
			}
			err := p.Require(perm)
			if allowed[perm] != (err == nil) {
				t.Errorf("%s require %s: %v", name, perm, err)
			}
			if err != nil && !errors.Is(err, ErrForbidden) {
				t.Errorf("%s require %s: %v is not ErrForbidden", name, perm, err)
			}
		}
	}
}

// Drill-down opens the bookings behind a figure, not any booking by its
// number: the look is logged as reached from a figure.
func TestRoles_ADrillDownOpensOnlyABookingBehindAFigure(t *testing.T) {
	cases := []struct {
		p      Principal
		behind bool
		want   AccessAction
		err    error
	}{
		{Principal{User: "anna", Role: RoleSekreterare}, false, AccessViewBooking, nil},
		{Principal{User: "ada", Role: RoleAdmin}, false, AccessViewBooking, nil},
		{Principal{User: "kim", Role: RoleKoordinator, DrillDown: true}, true, AccessDrillDown, nil},
		{Principal{User: "kim", Role: RoleKoordinator, DrillDown: true}, false, "", ErrBehindNoFigure},
		{Principal{User: "karl", Role: RoleKoordinator}, true, "", ErrForbidden},
		{Principal{}, true, "", ErrForbidden},
	}
	for _, c := range cases {
		got, err := c.p.OpenBooking(c.behind)
		if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("%s (%s) behind a figure %v: %q, %v; want %q, %v", c.p.User, c.p.Role, c.behind, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrForbidden) {
			t.Errorf("%s: %v is not ErrForbidden", c.p.User, err)
		}
	}
}

func TestRoles_KoordinatorCannotChangeBookings(t *testing.T) {
	p := Principal{User: "karl", Role: RoleKoordinator, DrillDown: true}
	err := p.Require(PermBook)
	var fe *ForbiddenError
	if !errors.As(err, &fe) || fe.User != "karl" || fe.Perm != PermBook {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "karl (koordinator) is not allowed to change bookings") {
		t.Fatalf("message %q", err)
	}
}

func TestRoster_ValidatesEveryEntry(t *testing.T) {
	ok := StaffMember{User: "anna", Role: RoleSekreterare, Keys: []string{"SHA256:a"}}
	cases := map[string]struct {
		ms   []StaffMember
		want string
	}{
		"bad name":         {[]StaffMember{{User: "Anna", Role: RoleAdmin}}, "user name"},
		"reserved":         {[]StaffMember{{User: "system", Role: RoleAdmin}}, "reserved"},
		"role":             {[]StaffMember{{User: "bo", Role: "chef"}}, "not a role"},
		"twice":            {[]StaffMember{ok, ok}, "twice"},
		"shared key":       {[]StaffMember{ok, {User: "bo", Role: RoleAdmin, Keys: []string{"SHA256:a"}}}, "a key names one person"},
		"not fingerprint":  {[]StaffMember{{User: "bo", Role: RoleAdmin, Keys: []string{"ssh-ed25519 AAAA"}}}, "not a SHA256"},
		"drill for admin":  {[]StaffMember{{User: "bo", Role: RoleAdmin, DrillDown: true}}, "drill_down"},
		"os login twice":   {[]StaffMember{ok, {User: "bo", Role: RoleAdmin, OSUser: "anna"}}, "os_user"},
		"empty is allowed": {nil, ""},
	}
	for name, c := range cases {
		_, err := NewRoster(c.ms)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want it to mention %q", name, err, c.want)
		}
	}
}

func TestRoster_FindsByKeyUserAndLogin(t *testing.T) {
	r, err := NewRoster([]StaffMember{
		{User: "anna", Name: "Anna Svensson", Role: RoleSekreterare, Keys: []string{"SHA256:a1", "SHA256:a2"}},
		{User: "karl", Role: RoleKoordinator, OSUser: "kjo", Keys: []string{"SHA256:k"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := r.ByKey("SHA256:a2"); !ok || m.User != "anna" || m.Principal().Name != "Anna Svensson" {
		t.Fatalf("by key: %+v %v", m, ok)
	}
	if _, ok := r.ByKey("SHA256:x"); ok {
		t.Fatal("unknown key found")
	}
	if m, ok := r.ByOSUser("kjo"); !ok || m.User != "karl" || m.Principal().Name != "karl" {
		t.Fatalf("by login: %+v %v", m, ok)
	}
	if _, ok := r.ByOSUser("karl"); ok {
		t.Fatal("karl's login is kjo, not karl")
	}
	if m, ok := r.ByUser("anna"); !ok || m.Role != RoleSekreterare {
		t.Fatalf("by user: %+v", m)
	}
}

func TestRoster_ChangedListsRemovedAndAltered(t *testing.T) {
	old, _ := NewRoster([]StaffMember{
		{User: "anna", Role: RoleSekreterare, Keys: []string{"SHA256:a"}},
		{User: "bo", Role: RoleSekreterare, Keys: []string{"SHA256:b"}},
		{User: "cia", Role: RoleKoordinator, Keys: []string{"SHA256:c"}},
		{User: "dan", Role: RoleAdmin, Keys: []string{"SHA256:d1", "SHA256:d2"}},
	})
	next, _ := NewRoster([]StaffMember{
		{User: "anna", Role: RoleSekreterare, Keys: []string{"SHA256:a"}},        // same
		{User: "cia", Role: RoleAdmin, Keys: []string{"SHA256:c"}},               // new role
		{User: "dan", Role: RoleAdmin, Keys: []string{"SHA256:d2", "SHA256:d1"}}, // same keys, other order
		{User: "eva", Role: RoleAdmin},
	})
	got := strings.Join(next.Changed(old), ",")
	if got != "bo,cia" {
		t.Fatalf("changed = %s, want bo,cia", got)
	}
}

func TestAccessLog_RetentionAtLeastFiveYears(t *testing.T) {
	if err := CheckAccessRetention(4); err == nil {
		t.Fatal("4 years accepted")
	}
	for _, y := range []int{5, 10} {
		if err := CheckAccessRetention(y); err != nil {
			t.Fatalf("%d years: %v", y, err)
		}
	}
}

func TestAccessLog_PrunableOnlyAfterTheWholeRetention(t *testing.T) {
	at := time.Date(2021, 3, 1, 9, 0, 0, 0, Stockholm)
	cases := []struct {
		now   time.Time
		years int
		want  bool
	}{
		{time.Date(2026, 3, 1, 8, 59, 0, 0, Stockholm), 5, false},
		{time.Date(2026, 3, 1, 9, 0, 0, 0, Stockholm), 5, true},
		{time.Date(2030, 1, 1, 0, 0, 0, 0, Stockholm), 10, false},
		{time.Date(2040, 1, 1, 0, 0, 0, 0, Stockholm), 3, false}, // below the floor: never
	}
	for _, c := range cases {
		if got := AccessPrunable(at, c.now, c.years); got != c.want {
			t.Errorf("at %s, now %s, %d years: %v", at, c.now, c.years, got)
		}
	}
}

func TestAccessLog_EntryTravelsInTheContext(t *testing.T) {
	if _, ok := AccessFrom(context.Background()); ok {
		t.Fatal("empty context carries an entry")
	}
	ctx := WithAccess(context.Background(), AccessEntry{User: "anna", Action: AccessCancel})
	e, ok := AccessFrom(ctx)
	if !ok || e.User != "anna" || e.Action != AccessCancel {
		t.Fatalf("%+v %v", e, ok)
	}
}
