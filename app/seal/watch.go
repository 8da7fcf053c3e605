package seal

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// seen is a file of the hot folder as last looked at.
type seen struct {
	size   int64
	mtime  time.Time
	since  time.Time // when it was first seen with this size and mtime
	queued bool      // handed to the workers with this size and mtime
}

// watch polls In until ctx ends and hands on each file once it is
// complete: its size and modification time have not changed for Settle,
// and it can be opened. Polling rather than inotify: it sees files on
// network shares too, and a file's last write, not its creation, matters.
func (r *run) watch(ctx context.Context, jobs chan<- job) error {
	settle, poll := r.opts.Settle, r.opts.Poll
	if settle <= 0 {
		settle = 2 * time.Second
	}
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	files := map[string]*seen{}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		now := time.Now()
		var ready []string
		err := r.walk(func(rel string, d fs.DirEntry) error {
			info, err := d.Info()
			if err != nil {
				return nil // vanished meanwhile
			}
			s := files[rel]
			if s == nil || s.size != info.Size() || !s.mtime.Equal(info.ModTime()) {
				files[rel] = &seen{size: info.Size(), mtime: info.ModTime(), since: now}
				return nil
			}
			if !s.queued && now.Sub(s.since) >= settle && now.Sub(info.ModTime()) >= settle && canOpen(filepath.Join(r.opts.In, filepath.FromSlash(rel))) {
				s.queued = true
				ready = append(ready, rel)
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.total.Add(int64(len(ready)))
		for _, rel := range ready {
			select {
			case jobs <- job{rel: rel}:
			case <-ctx.Done():
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
	}
}

func canOpen(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
