// Package config loads Kallelse's configuration: embedded defaults, then a
// TOML file, then KALLELSE_* environment variables, each laid over the one
// before (koanf). Every key is checked — an unknown key, a value of the wrong
// type, a number or a duration out of its range (bounds) or a value the
// domain refuses is an error that names the key and, when the file or an
// environment variable set it, that file or variable.
package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/rawbytes"
	"github.com/knadh/koanf/v2"
	gotoml "github.com/pelletier/go-toml/v2"
	"golang.org/x/crypto/ssh"

	"github.com/kallelse/kallelse/domain"
)

//go:embed defaults.toml
var defaultsTOML []byte

// EnvPrefix starts every environment variable read as configuration. Nested
// keys are joined with a double underscore:
// KALLELSE_EXAMS__EKG24__DIGITAL=false sets exams.ekg24.digital.
const EnvPrefix = "KALLELSE_"

// envNotConfig are KALLELSE_ variables the command line reads itself (flag
// defaults), not configuration keys.
var envNotConfig = map[string]bool{"DB": true, "CONFIG": true, "NOW": true, "USER": true}

// Config is the effective configuration.
type Config struct {
	Clinic    Clinic                 `koanf:"clinic"`
	UI        UI                     `koanf:"ui"`
	Identity  Identity               `koanf:"identity"`
	Policy    Policy                 `koanf:"policy"`
	Exams     map[string]ExamConfig  `koanf:"exams"`
	Sites     map[string]SiteConfig  `koanf:"sites"`
	Schedule  ScheduleConfig         `koanf:"schedule"`
	Loop      LoopConfig             `koanf:"loop"`
	Spool     SpoolConfig            `koanf:"spool"`
	Server    ServerConfig           `koanf:"server"`
	Guardians GuardianConfig         `koanf:"guardians"`
	Audit     AuditConfig            `koanf:"audit"`
	Backup    BackupConfig           `koanf:"backup"`
	Staff     map[string]StaffConfig `koanf:"staff"`

	catalogue domain.Catalogue
	roster    domain.Roster
	schedule  domain.Schedule
	parser    domain.IdentityParser
	policy    domain.PolicyOptions
	k         *koanf.Koanf

	digitalSince map[string]time.Time
}

// Clinic is the sending unit.
type Clinic struct {
	Department string `koanf:"department"`
	Region     string `koanf:"region"`
	HSAID      string `koanf:"hsa_id"`
	Phone      string `koanf:"phone"`
}

// UI holds presentation settings.
type UI struct {
	Language string `koanf:"language"`
}

// Identity holds identity-number settings.
type Identity struct {
	ReservnummerPattern string `koanf:"reservnummer_pattern"`
}

// Policy holds the configurable parts of the channel policy.
type Policy struct {
	Samordningsnummer string `koanf:"samordningsnummer"`
}

// ExamConfig is one examination type.
type ExamConfig struct {
	Name        string        `koanf:"name"`
	Duration    time.Duration `koanf:"duration"`
	Stage       int           `koanf:"stage"`
	Digital     bool          `koanf:"digital"`
	Preparation string        `koanf:"preparation"`
	// DigitalSince is the day digital summons was switched on for the
	// examination (optional): the rollout report compares the weeks
	// before it with the weeks after.
	DigitalSince Date `koanf:"digital_since"`
}

// SiteConfig is one hospital.
type SiteConfig struct {
	Name          string `koanf:"name"`
	Street        string `koanf:"street"`
	PostalCode    string `koanf:"postal_code"`
	City          string `koanf:"city"`
	DirectionsURL string `koanf:"directions_url"`
}

// ScheduleConfig is the timing of R4, R5 and the implicit rules.
type ScheduleConfig struct {
	FallbackAfter   time.Duration `koanf:"fallback_after"`
	PostalLeadDays  int           `koanf:"postal_lead_days"`
	PrintCutoff     string        `koanf:"print_cutoff"`
	ReminderAt      string        `koanf:"reminder_at"`
	QuietFrom       string        `koanf:"quiet_from"`
	QuietTo         string        `koanf:"quiet_to"`
	ReminderMinLead time.Duration `koanf:"reminder_min_lead"`
	PhoneTaskAfter  time.Duration `koanf:"phone_task_after"`
	PhoneBy         string        `koanf:"phone_by"`
}

// LoopConfig tunes the background loop.
type LoopConfig struct {
	Interval time.Duration `koanf:"interval"`
}

// SpoolConfig locates the folders exchanged with the integration engine.
type SpoolConfig struct {
	Dir string `koanf:"dir"`
}

// GuardianConfig is up to which age a child's letters and SMS go to the
// guardians.
type GuardianConfig struct {
	LettersBelowAge int `koanf:"letters_below_age"`
	SMSBelowAge     int `koanf:"sms_below_age"`
}

// ServerConfig is `kallelse serve`'s SSH listener.
type ServerConfig struct {
	Listen      string        `koanf:"listen"`
	HostKey     string        `koanf:"host_key"`
	IdleTimeout time.Duration `koanf:"idle_timeout"`
}

// AuditConfig is the access log's retention.
type AuditConfig struct {
	RetentionYears int `koanf:"retention_years"`
}

// BackupConfig is serve's nightly copy of the database.
type BackupConfig struct {
	Dir  string `koanf:"dir"`  // "" = no nightly copy
	Keep int    `koanf:"keep"` // nightly copies kept
	At   string `koanf:"at"`   // HH:MM, Stockholm

	at time.Duration
}

// AtClock is when in the day (Stockholm) the nightly copy is taken.
func (b BackupConfig) AtClock() time.Duration { return b.at }

// StaffConfig is one person of the roster; the table's name is the user.
type StaffConfig struct {
	Name      string   `koanf:"name"`
	Role      string   `koanf:"role"`
	Keys      []string `koanf:"keys"`
	OSUser    string   `koanf:"os_user"`
	DrillDown bool     `koanf:"drill_down"`
}

// Source says where to read configuration from besides the defaults.
type Source struct {
	// File is a TOML file. Missing is an error only when Required.
	File     string
	Required bool
	// Environ is the environment ("KEY=value" entries); nil means none.
	Environ []string
}

// Load reads defaults, the file and the environment, and validates the result.
// Each source is checked against the Config struct before it is laid over
// the others: an unknown key or a value of the wrong type is reported with
// the file or the environment variable it came from, and so is a value out
// of range when one of them set it.
func Load(src Source) (*Config, error) {
	k := koanf.New(".")
	if err := k.Load(rawbytes.Provider(defaultsTOML), toml.Parser()); err != nil {
		return nil, fmt.Errorf("embedded defaults: %w", err)
	}
	set := origins{}
	if src.File != "" {
		data, err := os.ReadFile(src.File)
		switch {
		case errors.Is(err, os.ErrNotExist) && !src.Required:
		case err != nil:
			return nil, fmt.Errorf("config file: %w", err)
		default:
			where := "config file " + src.File
			tree, err := toml.Parser().Unmarshal(data)
			if err != nil {
				var de *gotoml.DecodeError
				if errors.As(err, &de) {
					row, col := de.Position()
					return nil, fmt.Errorf("%s, line %d, column %d: %w", where, row, col, err)
				}
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if err := checkTree(schema, nil, tree, where, set); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			datesToText(schema, tree)
			if err := k.Load(mapProvider(tree), nil); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	envTree, err := readEnviron(src.Environ, set)
	if err != nil {
		return nil, err
	}
	if err := k.Load(mapProvider(envTree), nil); err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	var c Config
	err = k.UnmarshalWithConf("", &c, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook:  mapstructure.StringToTimeDurationHookFunc(),
		ErrorUnused: true,
	}})
	if err != nil {
		return nil, fmt.Errorf("configuration: %s", cleanDecodeError(err))
	}
	c.k = k
	if err := c.validate(); err != nil {
		return nil, set.attribute(err)
	}
	return &c, nil
}

// cleanDecodeError turns mapstructure's "exams[ekg24].digital" into the
// dotted key the file and the environment use. The sources are checked
// before they are decoded, so this is a safety net.
func cleanDecodeError(err error) string {
	s := err.Error()
	r := strings.NewReplacer("[", ".", "]", "", "decoding failed due to the following error(s):\n\n", "", "'' has invalid keys: ", "unknown key ")
	return strings.TrimSpace(r.Replace(s))
}

func (c *Config) validate() error {
	if err := c.checkText(); err != nil {
		return err
	}
	switch c.UI.Language {
	case "sv", "en":
	default:
		return fmt.Errorf("ui.language: %q is neither \"sv\" nor \"en\"", c.UI.Language)
	}
	if strings.TrimSpace(c.Clinic.Department) == "" {
		return errors.New("clinic.department: missing")
	}
	if err := checkHSAID(c.Clinic.HSAID); err != nil {
		return err
	}
	if err := c.checkRanges(); err != nil {
		return err
	}
	p, err := domain.NewIdentityParser(c.Identity.ReservnummerPattern)
	if err != nil {
		return fmt.Errorf("identity.reservnummer_pattern: %w", err)
	}
	c.parser = p
	sp, err := domain.ParseSamordningsnummerPolicy(c.Policy.Samordningsnummer)
	if err != nil {
		return fmt.Errorf("policy.samordningsnummer: %w", err)
	}
	c.policy = domain.PolicyOptions{Samordningsnummer: sp, GuardianLettersBelow: c.Guardians.LettersBelowAge,
		GuardianSMSBelow: c.Guardians.SMSBelowAge}
	c.digitalSince = map[string]time.Time{}
	var exams []domain.Examination
	for _, code := range sortedKeys(c.Exams) {
		e := c.Exams[code]
		if e.DigitalSince != "" {
			key := "exams." + code + ".digital_since"
			d, err := parseDate(string(e.DigitalSince))
			if err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			if !e.Digital {
				return fmt.Errorf("%s: %s is set, but exams.%s.digital is false: an examination on paper has no date it went digital", key, e.DigitalSince, code)
			}
			c.digitalSince[code] = d
		}
		exams = append(exams, domain.Examination{Code: code, Name: e.Name, Duration: e.Duration,
			Preparation: e.Preparation, Digital: e.Digital, Stage: e.Stage})
	}
	var sites []domain.Site
	for _, code := range sortedKeys(c.Sites) {
		s := c.Sites[code]
		if err := checkSite(code, s); err != nil {
			return err
		}
		sites = append(sites, domain.Site{Code: code, Name: s.Name, Street: s.Street,
			PostalCode: strings.Replace(s.PostalCode, " ", "", 1), City: s.City, DirectionsURL: s.DirectionsURL})
	}
	cat, err := domain.NewCatalogue(exams, sites)
	if err != nil {
		return err
	}
	c.catalogue = cat
	sc := c.Schedule
	sch := domain.Schedule{FallbackAfter: sc.FallbackAfter, PostalLeadDays: sc.PostalLeadDays,
		ReminderMinLead: sc.ReminderMinLead, PhoneTaskAfter: sc.PhoneTaskAfter}
	for _, f := range []struct {
		key string
		in  string
		out *time.Duration
	}{
		{"schedule.print_cutoff", sc.PrintCutoff, &sch.PrintCutoff},
		{"schedule.reminder_at", sc.ReminderAt, &sch.ReminderAt},
		{"schedule.quiet_from", sc.QuietFrom, &sch.QuietFrom},
		{"schedule.quiet_to", sc.QuietTo, &sch.QuietTo},
		{"schedule.phone_by", sc.PhoneBy, &sch.PhoneBy},
		{"backup.at", c.Backup.At, &c.Backup.at},
	} {
		d, err := parseClock(f.in)
		if err != nil {
			return fmt.Errorf("%s: %w", f.key, err)
		}
		*f.out = d
	}
	if err := sch.Validate(); err != nil {
		return err
	}
	c.schedule = sch
	if err := c.validateServer(); err != nil {
		return err
	}
	r, err := BuildRoster(c.Staff)
	if err != nil {
		return err
	}
	c.roster = r
	return nil
}

// checkRanges checks every number and duration against its bound.
func (c *Config) checkRanges() error {
	for _, code := range sortedKeys(c.Exams) {
		e := c.Exams[code]
		key := "exams." + code + ".duration"
		if err := checkDur(key, e.Duration, c.k.Exists(key)); err != nil {
			return err
		}
		if e.Duration%time.Minute != 0 {
			return fmt.Errorf("%s: %s is not a whole number of minutes", key, fmtDur(e.Duration))
		}
		if err := checkInt("exams."+code+".stage", e.Stage, c.k.Exists("exams."+code+".stage")); err != nil {
			return err
		}
	}
	sc := c.Schedule
	for _, d := range []struct {
		key string
		v   time.Duration
	}{
		{"schedule.fallback_after", sc.FallbackAfter},
		{"schedule.reminder_min_lead", sc.ReminderMinLead},
		{"schedule.phone_task_after", sc.PhoneTaskAfter},
		{"loop.interval", c.Loop.Interval},
		{"server.idle_timeout", c.Server.IdleTimeout},
	} {
		if err := checkDur(d.key, d.v, c.k.Exists(d.key)); err != nil {
			return err
		}
	}
	for _, n := range []struct {
		key string
		v   int
	}{
		{"schedule.postal_lead_days", sc.PostalLeadDays},
		{"guardians.letters_below_age", c.Guardians.LettersBelowAge},
		{"guardians.sms_below_age", c.Guardians.SMSBelowAge},
		{"audit.retention_years", c.Audit.RetentionYears},
		{"backup.keep", c.Backup.Keep},
	} {
		if err := checkInt(n.key, n.v, c.k.Exists(n.key)); err != nil {
			return err
		}
	}
	// The bounds agree with the domain's own floors.
	if err := domain.CheckAccessRetention(c.Audit.RetentionYears); err != nil {
		return fmt.Errorf("audit.retention_years: %w", err)
	}
	return nil
}

// PlaceholderHSAID is the defaults' HSA-id: a shape that passes, not the
// department's. Messages sent under it would name a unit that is not the
// clinic, so the loop warns while it is in use (HSAIDIsPlaceholder).
const PlaceholderHSAID = "SE2321000065-KF01"

// HSAIDIsPlaceholder reports whether clinic.hsa_id is still the defaults'.
func (c *Config) HSAIDIsPlaceholder() bool { return c.Clinic.HSAID == PlaceholderHSAID }

// hsaIDShape is an HSA-id as Inera describes it: "SE", the 10-digit
// organisation number of the directory's owner without a hyphen, "-" and
// one or more letters A–Z, a–z or digits; at most 31 characters.
var hsaIDShape = regexp.MustCompile(`^SE[0-9]{10}-[A-Za-z0-9]+$`)

// checkHSAID refuses a missing HSA-id at load rather than at the first
// delivery to 1177, which needs it.
func checkHSAID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return errors.New(`clinic.hsa_id: missing (the care unit's HSA-id, which 1177 requires, e.g. "SE2321000057-KF01")`)
	case len(id) > 31 || !hsaIDShape.MatchString(id):
		return fmt.Errorf(`clinic.hsa_id: %q is not an HSA-id ("SE", the 10-digit organisation number, "-", then letters or digits; at most 31 characters)`, id)
	}
	return nil
}

func (c *Config) validateServer() error {
	host, port, err := net.SplitHostPort(c.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %q is not HOST:PORT (%v)", c.Server.Listen, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("server.listen: port %q is not a number from 0 to 65535", port)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostName(host) {
		return fmt.Errorf("server.listen: %q is neither an IP address nor a host name", host)
	}
	return nil
}

func validHostName(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, part := range strings.Split(h, ".") {
		if part == "" || len(part) > 63 {
			return false
		}
		for _, r := range part {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

// BuildRoster validates the [staff] tables: each key must be an
// authorized_keys line (type, base64 key, optional comment), and is kept
// as its SHA256 fingerprint — what the server compares.
func BuildRoster(staff map[string]StaffConfig) (domain.Roster, error) {
	var ms []domain.StaffMember
	for _, user := range sortedKeys(staff) {
		sc := staff[user]
		m := domain.StaffMember{User: user, Name: strings.TrimSpace(sc.Name), Role: domain.Role(strings.TrimSpace(sc.Role)),
			OSUser: strings.TrimSpace(sc.OSUser), DrillDown: sc.DrillDown}
		if sc.Role == "" {
			return domain.Roster{}, fmt.Errorf("staff.%s.role: missing (sekreterare, koordinator or admin)", user)
		}
		for i, line := range sc.Keys {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			pk, _, _, rest, err := ssh.ParseAuthorizedKey([]byte(line))
			if err != nil {
				return domain.Roster{}, fmt.Errorf("staff.%s.keys[%d]: not a public key as in authorized_keys (%s): %v", user, i, domain.QuoteShort(line, 24), err)
			}
			if len(bytes.TrimSpace(rest)) > 0 {
				return domain.Roster{}, fmt.Errorf("staff.%s.keys[%d]: one key per string", user, i)
			}
			m.Keys = append(m.Keys, ssh.FingerprintSHA256(pk))
		}
		ms = append(ms, m)
	}
	r, err := domain.NewRoster(ms)
	if err != nil {
		return domain.Roster{}, err
	}
	return r, nil
}

// Roster is the validated staff list; empty for a single-user installation.
func (c *Config) Roster() domain.Roster { return c.roster }

// LoadRoster reads only the roster from the same sources, for reloading it
// while the server runs: the rest of the configuration needs a restart.
func LoadRoster(src Source) (domain.Roster, error) {
	c, err := Load(src)
	if err != nil {
		return domain.Roster{}, err
	}
	return c.roster, nil
}

// clockShape is a time of day as the README writes it, HH:MM, 00:00 to
// 23:59; an hour of one digit ("9:00") is read as the README's "09:00", as
// configurations written before the shape was checked have it.
var clockShape = regexp.MustCompile(`^(?:[01]?[0-9]|2[0-3]):[0-5][0-9]$`)

// parseClock reads a time of day written "HH:MM".
func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || !clockShape.MatchString(s) {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM, e.g. \"02:30\")", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// DomainSchedule is the validated timing of the loop's rules.
func (c *Config) DomainSchedule() domain.Schedule { return c.schedule }

// ClinicInfo is the sending unit as the domain sees it.
func (c *Config) ClinicInfo() domain.Clinic {
	return domain.Clinic{Department: c.Clinic.Department, Region: c.Clinic.Region, HSAID: c.Clinic.HSAID, Phone: c.Clinic.Phone}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Catalogue is the validated examination and site catalogue.
func (c *Config) Catalogue() domain.Catalogue { return c.catalogue }

// DigitalSince is the day (00:00 Europe/Stockholm) each examination with
// exams.<code>.digital_since went digital, by code.
func (c *Config) DigitalSince() map[string]time.Time {
	out := make(map[string]time.Time, len(c.digitalSince))
	for k, v := range c.digitalSince {
		out[k] = v
	}
	return out
}

// IdentityParser parses identity numbers with the configured reservnummer pattern.
func (c *Config) IdentityParser() domain.IdentityParser { return c.parser }

// PolicyOptions are the channel policy's settings.
func (c *Config) PolicyOptions() domain.PolicyOptions { return c.policy }

// TOML renders the effective configuration.
func (c *Config) TOML() ([]byte, error) { return c.k.Marshal(toml.Parser()) }

// Map returns the effective configuration as nested maps, for JSON output.
func (c *Config) Map() map[string]any { return c.k.Raw() }
