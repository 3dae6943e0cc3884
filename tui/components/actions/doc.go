// Package actions answers the action keys on a booking (paper, SMS, cancel,
// rebook, outcome, phoned, keep): it asks the question naming the patient
// and the time, or says at once why the booking's life cycle does not
// allow the action now (domain.Precondition). Every page that shows a
// booking offers the same actions through it.
package actions
