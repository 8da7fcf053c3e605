package seal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// journalEntry is one line of the journal: an intent to rename an output
// into place ("intent"), or the last audit line made durable ("head").
type journalEntry struct {
	Op   string `json:"op"`
	File string `json:"file,omitempty"` // output, relative to OUT
	SHA  string `json:"sha,omitempty"`  // input digest of an intent
	Seq  int    `json:"seq,omitempty"`  // head
	Hash string `json:"hash,omitempty"` // head
}

// journal is the append-only journal file, locked for the run.
type journal struct {
	mu sync.Mutex
	f  *os.File
}

func openJournal(out string) (*journal, map[string]bool, error) {
	path := filepath.Join(out, JournalName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%s: another seal run uses this output folder (%w)", out, err)
	}
	intents := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e journalEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Op == "intent" {
			intents[e.File] = true
		}
	}
	// A torn last line (a run killed mid-write) is ignored; end it so
	// the next entry starts on a line of its own.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			f.Write([]byte("\n"))
		}
	}
	return &journal{f: f}, intents, nil
}

func (j *journal) append(e journalEntry) error {
	b, _ := json.Marshal(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

func (j *journal) close() error { return j.f.Close() }

// readHead returns the last head entry of the journal at path.
func readHead(path string) (journalEntry, bool) {
	f, err := os.Open(path)
	if err != nil {
		return journalEntry{}, false
	}
	defer f.Close()
	var head journalEntry
	found := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var e journalEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Op == "head" {
			head, found = e, true
		}
	}
	return head, found
}

// isTemp tells the temporary files of pades.Prepare and of this package.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".siegel-") && strings.HasSuffix(name, ".tmp")
}

// removeTemps removes temporary files a killed run left in out.
func removeTemps(out string) (int, error) {
	n := 0
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && isTemp(d.Name()) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// sealedEntry is what the audit log says about an input sealed earlier.
type sealedEntry struct {
	sha, output string
}

// auditLog appends chained records to the audit log.
type auditLog struct {
	f    *os.File
	seq  int
	last string
}

// openAuditLog opens the log for appending and reads what was sealed. A
// last line without its newline was being written when a run was killed:
// it never counted, and is cut off.
func openAuditLog(out string) (*auditLog, map[string]sealedEntry, bool, error) {
	path := filepath.Join(out, AuditLogName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, false, fmt.Errorf("audit log: %w", err)
	}
	sealed := map[string]sealedEntry{}
	a := &auditLog{f: f}
	br := bufio.NewReaderSize(f, 64<<10)
	var good int64
	torn := false
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && !bytes.HasSuffix(line, []byte("\n")) {
			torn = true
			break
		}
		if len(line) > 0 {
			good += int64(len(line))
			a.seq++
			r, derr := decodeLine(bytes.TrimSuffix(line, []byte("\n")))
			if derr == nil || r.Hash != "" {
				a.last = r.Hash
			}
			if derr == nil && r.Outcome == OutcomeSealed {
				sealed[r.Input] = sealedEntry{sha: r.InputSHA256, output: r.Output}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			f.Close()
			return nil, nil, false, fmt.Errorf("audit log %s: %w", path, err)
		}
	}
	if torn {
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, nil, false, fmt.Errorf("audit log %s: %w", path, err)
		}
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, nil, false, err
	}
	return a, sealed, torn, nil
}

// write appends records, chaining them, and makes them durable.
func (a *auditLog) write(recs []Record) ([]Record, error) {
	buf := make([]byte, 0, 512*len(recs)) // a record line is some 400 bytes
	seq, last := a.seq, a.last
	for i := range recs {
		seq++
		recs[i].Seq, recs[i].Prev = seq, last
		line, h, err := encodeRecord(recs[i])
		if err != nil {
			return nil, err
		}
		recs[i].Hash, last = h, h
		buf = append(buf, line...)
	}
	if _, err := a.f.Write(buf); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	if err := a.f.Sync(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	a.seq, a.last = seq, last
	return recs, nil
}

func (a *auditLog) close() error { return a.f.Close() }
