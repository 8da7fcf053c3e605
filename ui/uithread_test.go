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
// one goroutine, the "UI thread", runs all UI work, and fyne.Do and
// fyne.DoAndWait from other goroutines hand work to it. Fyne's own test
// driver runs them in place, on whichever goroutine calls, so background
// work raced with the test on widgets and on Fyne's text caches, which all
// apps share (a torn Label crashed CI, and the race detector found more).
//
// Here the UI thread is the running test's goroutine: the test acts on
// widgets as a user would, on the UI thread, and the work handed over from
// background goroutines runs while the test waits for something (await,
// pumpUntil, settle). A test must not block otherwise while background
// work may need the UI thread.
func newTestApp(t testing.TB) fyne.App {
	t.Helper()
	claimUI(t)
	// Runs after test.NewTempApp's cleanup, which makes a plain test app
	// current.
	t.Cleanup(func() { fyne.SetCurrentApp(serial(fyne.CurrentApp())) })
	a := serial(test.NewTempApp(t))
	fyne.SetCurrentApp(a)
	return a
}

func serial(a fyne.App) fyne.App {
	if _, ok := a.(*serialApp); ok {
		return a
	}
	return &serialApp{App: a, drv: &serialDriver{Driver: a.Driver()}}
}

type serialApp struct {
	fyne.App
	drv *serialDriver
}

func (a *serialApp) Driver() fyne.Driver { return a.drv }

// serialDriver is an app's test driver with DoFromGoroutine on the UI
// thread.
type serialDriver struct{ fyne.Driver }

func (d *serialDriver) DoFromGoroutine(f func(), wait bool) { uiThread.do(f, wait) }

// uiLoop is the queue of work for the UI thread.
type uiLoop struct {
	mu    sync.Mutex
	queue []func()
	owner uint64        // the UI thread's goroutine id, 0 for none
	wake  chan struct{} // a value when queue may have work
}

var uiThread = &uiLoop{wake: make(chan struct{}, 1)}

// claimUI makes the calling test's goroutine the UI thread until the test
// ends; a subtest that acts on its parent's window claims it too.
func claimUI(t testing.TB) {
	l := uiThread
	l.mu.Lock()
	prev := l.owner
	l.owner = goroutineID()
	l.mu.Unlock()
	t.Cleanup(func() {
		l.settle() // what the test left runs on its goroutine
		l.mu.Lock()
		l.owner = prev
		l.mu.Unlock()
	})
}

// do is DoFromGoroutine: on the UI thread a DoAndWait runs at once, as on
// the real main thread, and a Do waits for its turn; other goroutines
// queue f, and for DoAndWait wait until the UI thread ran it.
func (l *uiLoop) do(f func(), wait bool) {
	l.mu.Lock()
	mine := l.owner == goroutineID()
	l.mu.Unlock()
	switch {
	case mine && wait:
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

// settle runs the queued work, and what that queues, until none is left.
func (l *uiLoop) settle() {
	for {
		l.mu.Lock()
		if len(l.queue) == 0 {
			l.mu.Unlock()
			return
		}
		f := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.mu.Unlock()
		f()
	}
}

func (l *uiLoop) idle() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue) == 0
}

// settle runs the work queued for the UI thread; on the test's goroutine.
func settle() { uiThread.settle() }

// pumpUntil runs the UI thread's work until cond, checked on the UI
// thread, holds; false if it does not within d.
func pumpUntil(d time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		settle()
		if cond() {
			return true
		}
		select {
		case <-uiThread.wake:
		case <-time.After(10 * time.Millisecond): // cond may change off the UI thread
		case <-deadline.C:
			settle()
			return cond()
		}
	}
}

// pumpFor runs the UI thread's work for d.
func pumpFor(d time.Duration) { pumpUntil(d, func() bool { return false }) }

// await runs the UI thread's work until ch yields a value; ok is false if
// none came within d.
func await[T any](ch <-chan T, d time.Duration) (v T, ok bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		settle()
		select {
		case v = <-ch:
			return v, true
		case <-uiThread.wake:
		case <-deadline.C:
			return v, false
		}
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

// newTestWindow makes a Window on a newTestApp. After the test it closes
// the window and runs the UI thread until the window's background work
// has ended, so that none of it runs into the next test.
func newTestWindow(t testing.TB, deps Deps) *Window {
	t.Helper()
	w := NewWindow(newTestApp(t), deps)
	t.Cleanup(func() {
		w.Close()
		if !pumpUntil(20*time.Second, func() bool { return w.work.Running() == 0 && uiThread.idle() }) {
			t.Errorf("%d background goroutines of the window still run 20 s after it closed", w.work.Running())
		}
	})
	return w
}

// noticesOf is the screens and dialogs w shows, as [2]any{what, v}. The
// UI thread is the test's, so a full channel would block it for good: one
// that is full fails the test instead.
func noticesOf(w *Window) chan any {
	ch := make(chan any, 1000)
	w.shown = func(what string, v any) {
		select {
		case ch <- [2]any{what, v}:
		default:
			panic("1000 notices of the window not read")
		}
	}
	return ch
}
