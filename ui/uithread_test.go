package ui

import (
	"bytes"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// newTestApp is Fyne's test app with the threading of the real drivers:
// every fyne.Do and fyne.DoAndWait runs on one goroutine, the "UI thread",
// one after another. Fyne's own test driver runs them in place, on
// whichever goroutine calls, so a background listing that hands its result
// over with fyne.Do raced with the test and with other background work on
// the same widgets (a torn Label crashed CI). Tests act on widgets inside
// fyne.DoAndWait where background work may touch them at the same time.
//
// The UI thread is one for the whole test process, and the current app
// stays a serial one after the test: background work a test started may
// still hand over results after it ended, and Fyne's caches are shared by
// all apps.
func newTestApp(t testing.TB) fyne.App {
	t.Helper()
	// Runs after test.NewTempApp's cleanup, which makes a plain test app
	// current.
	t.Cleanup(func() { fyne.SetCurrentApp(serial(fyne.CurrentApp())) })
	a := serial(test.NewTempApp(t))
	fyne.SetCurrentApp(a)
	t.Cleanup(func() {
		// What the test queued runs before the next test starts.
		done := make(chan struct{})
		go fyne.DoAndWait(func() { close(done) })
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("the UI thread is still busy 10 s after the test")
		}
	})
	return a
}

func serial(a fyne.App) fyne.App {
	if _, ok := a.(*serialApp); ok {
		return a
	}
	return &serialApp{App: a, drv: &serialDriver{Driver: a.Driver(), ui: uiThread()}}
}

type serialApp struct {
	fyne.App
	drv *serialDriver
}

func (a *serialApp) Driver() fyne.Driver { return a.drv }

// serialDriver is an app's test driver with DoFromGoroutine on the UI
// thread.
type serialDriver struct {
	fyne.Driver
	ui *uiLoop
}

func (d *serialDriver) DoFromGoroutine(f func(), wait bool) { d.ui.do(f, wait) }

// uiLoop runs functions on its goroutine in the order they came. A
// DoAndWait from that goroutine runs at once, as on the real main thread;
// a Do from it is queued.
type uiLoop struct {
	mu    sync.Mutex
	queue []func()
	wake  chan struct{} // a value when queue may have work
	gid   uint64        // the loop goroutine's id, set before any work runs
}

var uiThread = sync.OnceValue(func() *uiLoop {
	l := &uiLoop{wake: make(chan struct{}, 1)}
	ready := make(chan struct{})
	go func() {
		l.gid = goroutineID()
		close(ready)
		for {
			l.mu.Lock()
			if len(l.queue) == 0 {
				l.mu.Unlock()
				<-l.wake
				continue
			}
			f := l.queue[0]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			l.mu.Unlock()
			f()
		}
	}()
	<-ready
	return l
})

func (l *uiLoop) do(f func(), wait bool) {
	switch {
	case goroutineID() == l.gid && wait:
		f()
	case !wait:
		l.enqueue(f)
	default:
		ran := make(chan struct{})
		l.enqueue(func() { defer close(ran); f() })
		<-ran
	}
}

func (l *uiLoop) enqueue(f func()) {
	l.mu.Lock()
	l.queue = append(l.queue, f)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// goroutineID reads the calling goroutine's id from its stack header,
// "goroutine 42 [running]:"; test code only.
func goroutineID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	if i := bytes.IndexByte(b, ' '); i > 0 {
		b = b[:i]
	}
	id, _ := strconv.ParseUint(string(b), 10, 64)
	return id
}

// newTestWindow makes a Window on a newTestApp, on the UI thread: building
// it measures text in Fyne's caches, which all apps share.
func newTestWindow(t testing.TB, deps Deps) *Window {
	t.Helper()
	a := newTestApp(t)
	var w *Window
	fyne.DoAndWait(func() { w = NewWindow(a, deps) })
	return w
}
