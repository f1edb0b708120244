package storetest

import (
	"os"
	"testing"
)

// MakeReadOnly makes the file at path read-only for this process, as an
// operator's mistake would: chmod 0400. Root ignores file modes, so when
// the file is still writable the immutable flag is set as well (Linux),
// which root honours, and cleared when the test ends so that the file can
// be removed. The test is skipped, saying why, only when neither works
// (root on a file system without the flag, or without CAP_LINUX_IMMUTABLE).
func MakeReadOnly(t testing.TB, path string) {
	t.Helper()
	if err := os.Chmod(path, 0o400); err != nil {
		t.Fatal(err)
	}
	if !writable(path) {
		return
	}
	if err := setImmutable(path, true); err != nil {
		t.Skipf("SKIPPED: cannot make %s read-only: this process ignores file modes (root) and setting the immutable flag failed: %v", path, err)
	}
	t.Cleanup(func() {
		if err := setImmutable(path, false); err != nil {
			t.Errorf("clearing the immutable flag of %s: %v", path, err)
		}
	})
	if writable(path) {
		t.Skipf("SKIPPED: %s is still writable with mode 0400 and the immutable flag", path)
	}
}

// writable reports whether this process can open path for writing.
func writable(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	_ = f.Close()
	return true
}
