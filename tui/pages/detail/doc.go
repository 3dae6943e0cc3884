// Package detail is one booking's page: the patient, the channel decision
// and its reasons, what follows the summons, and the whole history.
package detail
