// Package printqueue is the print queue: the paper letters of today and
// earlier days not yet printed, a batch file per day, and marking printed.
package printqueue
