package sqlite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrDataDirInUse is returned when another server runs on the data
// directory.
var ErrDataDirInUse = errors.New("another Precinct server is using this data directory")

// lockName is the lock file a server holds in its data directory.
const lockName = "precinct.lock"

// LockDataDir takes the data directory for one server: its identity caches
// and live state are its own, so a second server on the same file would
// serve stale answers. Admin commands do not lock; they work beside a
// running server. The kernel drops the lock if the process dies.
func LockDataDir(dir string) (unlock func() error, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return lockFile(filepath.Join(dir, lockName))
}

// CheckDataDir refuses a data directory that still holds the embedded
// FerretDB of earlier Precinct versions, which kept its files in db/ and
// wrote embedded.uri and embedded.lock. Nothing is converted: no
// installation holds real data yet.
func CheckDataDir(dir string) error {
	for _, name := range []string{"embedded.uri", "embedded.lock", "db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("%s holds the embedded FerretDB database of an earlier Precinct (found %s). "+
				"Precinct now keeps its data in one SQLite file, %s, and does not read the old files: "+
				"move the old directory away (or delete db/, embedded.uri and embedded.lock) and start again; "+
				"sign-ins, communities and keys have to be made again", dir, name, filepath.Join(dir, FileName))
		}
	}
	return nil
}
