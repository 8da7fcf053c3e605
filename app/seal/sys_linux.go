package seal

import (
	"os"

	"golang.org/x/sys/unix"
)

func lockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}

// durable makes the renamed outputs under root durable with one syncfs
// for the whole file system (files and directory entries alike) instead
// of an fsync per file and directory.
func durable(root string, _ []string) error {
	d, err := os.Open(root)
	if err != nil {
		return err
	}
	defer d.Close()
	return unix.Syncfs(int(d.Fd()))
}
