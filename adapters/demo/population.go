package demo

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Population is the mix of patients the demo and the simulated year draw:
// each field a share from 0 to 1. The defaults follow what the source and
// the region report (91 % of residents have logged in to 1177); the rest
// are plain estimates, made to be changed with --population.
type Population struct {
	Children          float64 `pop:"children"`          // under 18
	Account           float64 `pop:"account"`           // adults with a 1177 account
	ChildAccount      float64 `pop:"child_account"`     // children with one
	Notifications     float64 `pop:"notifications"`     // account holders with notifications on
	Interpreter       float64 `pop:"interpreter"`       // need an interpreter
	Samordningsnummer float64 `pop:"samordningsnummer"` // identified by a samordningsnummer
	Reservnummer      float64 `pop:"reservnummer"`      // identified by a reservnummer
	NoAddress         float64 `pop:"no_address"`        // no postal address on file
	Protected         float64 `pop:"protected"`         // sekretessmarkering or skyddad folkbokföring
	PaperDeclined     float64 `pop:"paper_declined"`    // account holders who declined letters by post
	Mobile            float64 `pop:"mobile"`            // with a mobile number
	SMS               float64 `pop:"sms"`               // of those with a mobile, asked for SMS reminders
	Guardians         float64 `pop:"guardians"`         // children with their guardians recorded
}

// DefaultPopulation is the demo's mix.
var DefaultPopulation = Population{
	Children: 0.05, Account: 0.91, ChildAccount: 0.4, Notifications: 0.75, Interpreter: 0.06,
	Samordningsnummer: 0.02, Reservnummer: 0.01, NoAddress: 0.003, Protected: 0.002, PaperDeclined: 0.02,
	Mobile: 0.9, SMS: 0.6, Guardians: 0.9,
}

// PopulationKeys are the names ParsePopulation accepts, sorted.
func PopulationKeys() []string {
	t := reflect.TypeOf(Population{})
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i] = t.Field(i).Tag.Get("pop")
	}
	sort.Strings(keys)
	return keys
}

// ParsePopulation reads "key=share,key=share" over base: account=0.8 or
// account=80%. An unknown key, a share outside 0–1 or a malformed pair is
// an error that names it.
func ParsePopulation(s string, base Population) (Population, error) {
	p := base
	v := reflect.ValueOf(&p).Elem()
	t := v.Type()
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, val, ok := strings.Cut(pair, "=")
		if !ok {
			return base, fmt.Errorf("population: %q is not key=share", pair)
		}
		k, val = strings.TrimSpace(k), strings.TrimSpace(val)
		field := -1
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).Tag.Get("pop") == k {
				field = i
			}
		}
		if field < 0 {
			return base, fmt.Errorf("population: unknown key %q (known: %s)", k, strings.Join(PopulationKeys(), ", "))
		}
		scale := 1.0
		if strings.HasSuffix(val, "%") {
			val, scale = strings.TrimSuffix(val, "%"), 100
		}
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return base, fmt.Errorf("population: %s=%s is not a number", k, val)
		}
		f /= scale
		if f < 0 || f > 1 {
			return base, fmt.Errorf("population: %s=%s is not a share between 0 and 1", k, val)
		}
		v.Field(field).SetFloat(f)
	}
	return p, nil
}
