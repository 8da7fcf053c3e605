//go:build !linux

package seal

import (
	"os"
	"path/filepath"
)

func lockFile(*os.File) error { return nil } // best effort off Linux

// durable fsyncs each file and its folder where there is no syncfs.
func durable(_ string, files []string) error {
	dirs := map[string]bool{}
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if f, err := os.Open(d); err == nil {
			_ = f.Sync() // some file systems refuse; the rename stands
			f.Close()
		}
	}
	return nil
}
