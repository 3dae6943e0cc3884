//go:build !unix

package inbox1177

import "os"

// openNoFollow opens a receipt file for reading; where the system has no
// O_NOFOLLOW, readReceipt's check that the file opened is the regular file
// looked at keeps a symbolic link put in its place from being read.
func openNoFollow(path string) (*os.File, error) { return os.Open(path) }
