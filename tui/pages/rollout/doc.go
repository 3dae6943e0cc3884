// Package rollout is the page that answers which examination should go
// digital next, and what it would save (service.Rollout).
package rollout
