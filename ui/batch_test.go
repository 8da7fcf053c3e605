package ui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/siegel-app/siegel/app"
	"github.com/siegel-app/siegel/app/seal"
	"github.com/siegel-app/siegel/internal/testpdf"
	"github.com/siegel-app/siegel/internal/testpki"
	"github.com/siegel-app/siegel/signing"
)

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"},
		{1400 * time.Millisecond, "1 s"},
		{59 * time.Second, "59 s"},
		{61 * time.Second, "1 min 01 s"},
		{59*time.Minute + 59*time.Second, "59 min 59 s"},
		{3*time.Hour + 5*time.Minute + 20*time.Second, "3 h 05 min"},
	} {
		if got := FormatDuration(tc.d); got != tc.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestBatchModel(t *testing.T) {
	m := &BatchModel{}
	if m.Fraction() != 0 || m.Status() != "" {
		t.Errorf("empty model: %v %q", m.Fraction(), m.Status())
	}
	fail := seal.FileResult{Input: "in/broken.pdf", Outcome: seal.OutcomeFailed, Reason: "read in/broken.pdf: no xref"}
	m.Apply(seal.Progress{Total: 40, Done: 10, Sealed: 8, Skipped: 1, Failed: 1, Current: "b/x.pdf",
		Elapsed: 4 * time.Second, Last: &fail}, []seal.FileResult{fail})
	if got := m.Fraction(); got != 0.25 {
		t.Errorf("fraction %v", got)
	}
	if got, want := m.Counts(), "10 of 40 files: 8 sealed, 1 skipped, 1 failed"; got != want {
		t.Errorf("counts %q, want %q", got, want)
	}
	// 10 files in 4 s: 2.5/s, 30 left: 12 s.
	if got, want := m.Status(), "2.5 files/s · about 12 s left"; got != want {
		t.Errorf("status %q, want %q", got, want)
	}
	if got, want := m.Current(), "Sealing b/x.pdf"; got != want {
		t.Errorf("current %q, want %q", got, want)
	}
	if want := []string{"in/broken.pdf: read in/broken.pdf: no xref"}; !slices.Equal(m.Failures, want) {
		t.Errorf("failures %q", m.Failures)
	}
	if m.Progress.Last != nil {
		t.Error("the model keeps a pointer into the run")
	}
	m.Apply(seal.Progress{Total: 40, Done: 10, Elapsed: 5 * time.Second, Paused: true}, nil)
	if !strings.HasPrefix(m.Status(), "Paused") || len(m.Failures) != 1 {
		t.Errorf("paused: %q, %d failures", m.Status(), len(m.Failures))
	}
	m.Apply(seal.Progress{Total: 40, Done: 40, Current: "z.pdf", Elapsed: 20 * time.Second}, nil)
	if m.Status() != "2.0 files/s" || m.Current() != "" || m.Fraction() != 1 {
		t.Errorf("done: %q %q %v", m.Status(), m.Current(), m.Fraction())
	}

	SetupLanguage("de")
	defer SetupLanguage("en")
	m.Apply(seal.Progress{Total: 40, Done: 10, Elapsed: 4 * time.Second}, nil)
	if got, want := m.Status(), "2,5 Dateien/s · noch etwa 12 s"; got != want {
		t.Errorf("German status %q, want %q", got, want)
	}
	// A failure whose cause is known is told in the window's language;
	// the English reason (as the audit log keeps it) stays underneath.
	gone := seal.FileResult{Input: "x.pdf", Outcome: seal.OutcomeFailed, Reason: seal.ErrVanished.Error(),
		Err: fmt.Errorf("wrapped: %w", seal.ErrVanished)}
	if got, want := FailureLine(gone), "x.pdf: Die Datei verschwand, bevor sie gelesen wurde."; got != want {
		t.Errorf("German failure line %q, want %q", got, want)
	}
	read := seal.FileResult{Input: "y.pdf", Outcome: seal.OutcomeFailed, Reason: "from the log"}
	if got := FailureLine(read); got != "y.pdf: from the log" {
		t.Errorf("failure without a cause: %q", got)
	}
}

// TestBatchFeed: reports between two takes come out as the latest
// numbers and every failure; one take is asked for at a time.
func TestBatchFeed(t *testing.T) {
	var f BatchFeed
	a := seal.FileResult{Input: "a.pdf", Outcome: seal.OutcomeFailed, Reason: "damaged"}
	ok := seal.FileResult{Input: "b.pdf", Outcome: seal.OutcomeSealed}
	c := seal.FileResult{Input: "c.pdf", Outcome: seal.OutcomeFailed, Reason: "encrypted"}
	if !f.Push(seal.Progress{Done: 1, Last: &a}) {
		t.Fatal("first push asks for no take")
	}
	if f.Push(seal.Progress{Done: 2, Last: &ok}) || f.Push(seal.Progress{Done: 3, Last: &c}) {
		t.Fatal("a second take asked for while one is pending")
	}
	p, failed := f.Take()
	if p.Done != 3 || len(failed) != 2 || failed[0].Input != "a.pdf" || failed[1].Input != "c.pdf" {
		t.Fatalf("took %+v, %+v", p, failed)
	}
	if !f.Push(seal.Progress{Done: 4}) {
		t.Fatal("no take asked for after the last one")
	}
	if _, failed := f.Take(); len(failed) != 0 {
		t.Errorf("failures taken twice: %v", failed)
	}
}

func TestBatchSummary(t *testing.T) {
	res := &seal.Result{Progress: seal.Progress{Total: 5, Done: 5, Sealed: 3, Skipped: 1, Failed: 1, Elapsed: 75 * time.Second}}
	for _, tc := range []struct {
		name string
		res  *seal.Result
		err  error
		want []string
	}{
		{"done", res, nil, []string{"3 sealed, 1 skipped, 1 failed in 1 min 15 s."}},
		{"cancelled", res, &seal.StopError{Err: fmt.Errorf("%w", signing.ErrCancelled)}, []string{"3 sealed", "Cancelled. The files sealed so far stay sealed"}},
		{"wrong PIN", res, &seal.StopError{File: "x.pdf", Err: &signing.PINError{RetriesLeft: 2}},
			[]string{"3 sealed", "Stopped at x.pdf: Wrong PIN. 2 tries left.", "Start again"}},
		{"disk full", res, &seal.StopError{Err: errors.New("output folder: no space left on device")},
			[]string{"Stopped: output folder: no space left on device"}},
		{"not started", &seal.Result{}, errors.New("input folder: stat /x: no such file or directory"),
			[]string{"Sealing could not start: input folder: stat /x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := BatchSummary(tc.res, tc.err)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("summary %q lacks %q", got, w)
				}
			}
			if tc.name == "not started" && strings.Contains(got, "sealed") {
				t.Errorf("counts of a run that did not start: %q", got)
			}
		})
	}
}

func TestBatchRequest(t *testing.T) {
	ok := BatchRequest{In: " in ", Out: "out", Key: "pkcs12:/k.p12", Level: app.LevelBT, TSA: " http://tsa ", Reason: " Invoice ", Visible: true}
	o, err := ok.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.In != "in" || o.TSA != "http://tsa" || o.Reason != "Invoice" || o.Level != app.LevelBT || o.Visible == nil || o.Visible.Page != 1 {
		t.Errorf("options %+v", o)
	}
	bb := ok
	bb.Level, bb.Visible = app.LevelBB, false
	if o, _ := bb.Options(); o.TSA != "" || o.Visible != nil {
		t.Errorf("B-B took the TSA or a stamp: %+v", o)
	}
	for _, tc := range []struct {
		name string
		edit func(*BatchRequest)
		want error
	}{
		{"no input", func(r *BatchRequest) { r.In = " " }, ErrNoFolders},
		{"no output", func(r *BatchRequest) { r.Out = "" }, ErrNoFolders},
		{"no key", func(r *BatchRequest) { r.Key = "" }, ErrNoKey},
		{"B-T without TSA", func(r *BatchRequest) { r.TSA = "" }, ErrNoTSA},
	} {
		r := ok
		tc.edit(&r)
		if _, err := r.Options(); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

// batchSetup is a window with a PKCS#12 key and a folder of three PDFs
// and a damaged one; the screens it shows arrive on the channel.
func batchSetup(t *testing.T) (*Window, string, chan any) {
	t.Helper()
	pki := testpki.MustShared(t)
	dir := t.TempDir()
	p12 := filepath.Join(dir, "seal.p12")
	der, err := pki.PKCS12(pki.SignerRSA, "secret")
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in")
	for name, data := range map[string][]byte{
		"p12":           der,
		"in/a.pdf":      testpdf.Pages(1),
		"in/b.pdf":      testpdf.Pages(2),
		"in/sub/c.pdf":  testpdf.Pages(1),
		"in/broken.pdf": []byte("%PDF-1.7\nnot really a PDF\n%%EOF\n"),
	} {
		path := filepath.Join(dir, name)
		if name == "p12" {
			path = p12
		}
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w := newTestWindow(t, Deps{})
	t.Cleanup(w.Close)
	shown := noticesOf(w)
	w.keys.AddFile(p12)
	return w, in, shown
}

// batchNext waits for a notice want, passing over others, until ok accepts
// its value.
func batchNext(t *testing.T, shown chan any, want string, ok func(any) bool) any {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s, got := await(shown, time.Until(deadline))
		if !got {
			t.Fatalf("%s never shown", want)
		}
		p := s.([2]any)
		if p[0] == want && (ok == nil || ok(p[1])) {
			return p[1]
		}
		if want != "batch-done" && p[0] == "batch-done" {
			t.Fatalf("run ended (%v) while waiting for %s", p[1], want)
		}
	}
}

// startPaused starts a run and pauses it while the password is asked, so
// that no file is begun; it returns at the first report, paused.
func startPaused(t *testing.T, v *batchView, shown chan any) seal.Progress {
	t.Helper()
	test.Tap(v.start)
	pv := batchNext(t, shown, "pin", nil).(*pinView)
	if !v.start.Disabled() || !v.back.Disabled() {
		t.Error("form and Back usable while a run is under way")
	}
	test.Tap(v.pause)
	if v.pause.Text != "Resume" {
		t.Errorf("pause button says %q", v.pause.Text)
	}
	test.Type(pv.entry, "secret")
	pv.entry.OnSubmitted(pv.entry.Text)
	return batchNext(t, shown, "batch-progress", func(v any) bool { return v.(seal.Progress).Paused }).(seal.Progress)
}

func pdfsIn(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".pdf") && !strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// TestBatchScreen runs real batches with a PKCS#12 key: paused before the
// first file, resumed to the end with the damaged file listed with its
// reason; then a second run paused and cancelled, which seals nothing.
func TestBatchScreen(t *testing.T) {
	w, in, shown := batchSetup(t)
	var found bool
	for _, it := range w.win.MainMenu().Items[0].Items {
		found = found || it.Label == "Seal a folder…"
	}
	if !found {
		t.Error("no File ▸ Seal a folder… entry")
	}
	w.ShowBatch()
	v := batchNext(t, shown, "batch", nil).(*batchView)
	if w.win.Content() != v.content {
		t.Fatal("batch screen not in the window")
	}
	if v.key.Selected != "seal.p12" {
		t.Errorf("key %q, want the window's selected key file", v.key.Selected)
	}
	test.Tap(v.start)
	if !strings.Contains(v.message.Text, "folder") {
		t.Errorf("started without folders: %q", v.message.Text)
	}
	out := filepath.Join(filepath.Dir(in), "out")
	v.in.SetText(in)
	v.out.SetText(out)
	v.level.SetSelected(app.LevelBB)
	v.reason.SetText("Invoice")

	p := startPaused(t, v, shown)
	if p.Done != 0 || len(pdfsIn(t, out)) != 0 {
		t.Fatalf("files done while paused: %+v, %v", p, pdfsIn(t, out))
	}
	if !strings.HasPrefix(v.status.Text, "Paused") {
		t.Errorf("status %q while paused", v.status.Text)
	}
	test.Tap(v.pause) // resume
	if err, _ := batchNext(t, shown, "batch-done", nil).(error); err != nil {
		t.Fatalf("run: %v", err)
	}
	m := v.model.Progress
	if m.Total != 4 || m.Done != 4 || m.Sealed != 3 || m.Failed != 1 || v.bar.Value != 1 {
		t.Errorf("end: %+v, bar %v", m, v.bar.Value)
	}
	if v.counts.Text != "4 of 4 files: 3 sealed, 0 skipped, 1 failed" {
		t.Errorf("counts %q", v.counts.Text)
	}
	if len(v.model.Failures) != 1 || !strings.HasPrefix(v.model.Failures[0], "broken.pdf: ") || len(v.model.Failures[0]) < len("broken.pdf: x") {
		t.Errorf("failures %q", v.model.Failures)
	}
	if v.failures.Length() != 1 || v.failTitle.Text != "Failed files (1)" {
		t.Errorf("failure list: %d rows, %q", v.failures.Length(), v.failTitle.Text)
	}
	if !strings.HasPrefix(v.summary.Text, "3 sealed, 0 skipped, 1 failed in ") {
		t.Errorf("summary %q", v.summary.Text)
	}
	if want := filepath.Join(out, seal.AuditLogName); !strings.Contains(v.audit.Text, want) || v.openOut.Hidden {
		t.Errorf("audit %q, open folder hidden %v", v.audit.Text, v.openOut.Hidden)
	}
	if got := pdfsIn(t, out); !slices.Equal(got, []string{"a.pdf", "b.pdf", "sub/c.pdf"}) {
		t.Errorf("sealed %v", got)
	}
	if v.start.Disabled() || v.back.Disabled() || !v.pause.Disabled() || !v.cancel.Disabled() {
		t.Error("controls not back to the form after the run")
	}

	// A second run into another folder, cancelled while paused.
	out2 := filepath.Join(filepath.Dir(in), "out2")
	v.out.SetText(out2)
	startPaused(t, v, shown)
	test.Tap(v.cancel)
	err, _ := batchNext(t, shown, "batch-done", nil).(error)
	var se *seal.StopError
	if !errors.As(err, &se) || !errors.Is(err, signing.ErrCancelled) {
		t.Fatalf("cancelled run: %v", err)
	}
	if !strings.Contains(v.summary.Text, "Cancelled") || v.model.Progress.Done != 0 {
		t.Errorf("summary %q, %+v", v.summary.Text, v.model.Progress)
	}
	if got := pdfsIn(t, out2); len(got) != 0 {
		t.Errorf("sealed after cancel: %v", got)
	}

	test.Tap(v.back)
	if w.win.Content() != w.main {
		t.Error("Back did not return to the main screen")
	}
}
