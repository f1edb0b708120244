//go:build !(linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64))

package storetest

import "errors"

// setImmutable is not available here: file modes must do.
func setImmutable(string, bool) error {
	return errors.New("no immutable flag on this platform")
}
