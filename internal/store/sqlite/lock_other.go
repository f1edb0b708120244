//go:build !unix

package sqlite

import "os"

// lockFile on systems without flock only creates the file: running two
// servers on one data directory there is the operator's to avoid.
func lockFile(path string) (unlock func() error, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	return f.Close, nil
}
