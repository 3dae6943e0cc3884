//go:build unix

package inbox1177

import (
	"os"
	"syscall"
)

// openNoFollow opens a receipt file for reading without following a
// symbolic link put in its place since it was looked at (the open fails),
// and without waiting on a pipe.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}
