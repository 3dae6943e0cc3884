// Package form is the booking form: patient, examination, site, day and
// time, with the channel decision and its reasons shown before booking.
package form
