//go:build linux && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package storetest

import (
	"os"
	"syscall"
	"unsafe"
)

// The ioctls of a file's inode flags and the immutable flag (linux/fs.h),
// as on 64-bit platforms.
const (
	fsIOCGetFlags = 0x80086601
	fsIOCSetFlags = 0x40086602
	fsImmutableFL = 0x00000010
)

// setImmutable sets or clears the immutable flag of path (chattr +i/-i).
func setImmutable(path string, on bool) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var flags uint32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIOCGetFlags, uintptr(unsafe.Pointer(&flags))); errno != 0 {
		return errno
	}
	if on {
		flags |= fsImmutableFL
	} else {
		flags &^= fsImmutableFL
	}
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), fsIOCSetFlags, uintptr(unsafe.Pointer(&flags))); errno != 0 {
		return errno
	}
	return nil
}
