package seal

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// AuditLogName and JournalName are the files seal keeps in the output
// folder.
const (
	AuditLogName = "siegel-audit.jsonl"
	JournalName  = ".siegel-journal"
)

// Outcomes of a file in the audit log; a failure is "failed: " + reason.
const (
	OutcomeSealed  = "sealed"
	OutcomeSkipped = "skipped"
	OutcomeFailed  = "failed"
)

// Certificate identifies the sealing certificate in the audit log.
type Certificate struct {
	Subject string `json:"subject"`
	Serial  string `json:"serial"` // hexadecimal
	SHA256  string `json:"sha256"` // of the DER
}

// Record is one line of the audit log.
type Record struct {
	Seq          int         `json:"seq"`
	Time         string      `json:"time"`  // RFC 3339, UTC
	Input        string      `json:"input"` // relative to the input folder, slash-separated
	InputSHA256  string      `json:"inputSHA256,omitempty"`
	Output       string      `json:"output,omitempty"` // relative to the output folder
	OutputSHA256 string      `json:"outputSHA256,omitempty"`
	Key          string      `json:"key"`
	Certificate  Certificate `json:"certificate"`
	Level        string      `json:"level"`
	Outcome      string      `json:"outcome"`
	Prev         string      `json:"prev"`
	Hash         string      `json:"-"` // set when read
}

// hashSuffix is how every line ends: the hash member and the brace.
var hashSuffix = regexp.MustCompile(`,"hash":"([0-9a-f]{64})"}$`)

// encodeRecord returns the line for r (with its newline) and its hash.
func encodeRecord(r Record) ([]byte, string, error) {
	body, err := json.Marshal(r)
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	// Sized once: the body without its '}', the hash field and "}\n".
	line := make([]byte, 0, len(body)+len(`,"hash":""}`)+len(h)+1)
	line = append(line, body[:len(body)-1]...)
	line = append(line, `,"hash":"`...)
	line = append(append(line, h...), "\"}\n"...)
	return line, h, nil
}

// decodeLine checks one line (without newline) against its own hash and
// returns its record. A line whose hash does not match was edited.
func decodeLine(line []byte) (Record, error) {
	m := hashSuffix.FindSubmatchIndex(line)
	if m == nil {
		return Record{}, errors.New("not an audit record (no hash at its end)")
	}
	body := append(append([]byte(nil), line[:m[0]]...), '}')
	var r Record
	if err := json.Unmarshal(body, &r); err != nil {
		return Record{}, fmt.Errorf("not an audit record: %w", err)
	}
	sum := sha256.Sum256(body)
	r.Hash = string(line[m[2]:m[3]])
	if hex.EncodeToString(sum[:]) != r.Hash {
		return r, errors.New("edited: its content does not match its hash")
	}
	return r, nil
}

// LogProblem says what is wrong with an audit log and where.
type LogProblem struct {
	Line int // 1-based
	What string
}

func (p *LogProblem) Error() string { return fmt.Sprintf("line %d: %s", p.Line, p.What) }

// ErrTampered is wrapped by the errors of VerifyLog about the content.
var ErrTampered = errors.New("audit log is not intact")

// LogSummary is what VerifyLog found in an intact log.
type LogSummary struct {
	Lines    int
	LastHash string
}

// VerifyLog checks the hash chain of the audit log at path: every line
// matches its hash, its seq is its line number, and its prev is the hash of
// the line before. When the journal of the same folder is there, the log
// must also reach the last line it noted, so that lines cut from the end
// show. A problem is returned as an error wrapping ErrTampered and a
// *LogProblem; an unreadable file is another error.
func VerifyLog(path string) (LogSummary, error) {
	f, err := os.Open(path)
	if err != nil {
		return LogSummary{}, fmt.Errorf("audit log: %w", err)
	}
	defer f.Close()
	tampered := func(line int, format string, args ...any) (LogSummary, error) {
		return LogSummary{}, fmt.Errorf("%s: %w: %w", path, ErrTampered, &LogProblem{Line: line, What: fmt.Sprintf(format, args...)})
	}
	// The whole chain first (hashes are small), so that a broken link can
	// be told apart: a line that belongs elsewhere, or one that is gone.
	type entry struct {
		rec Record
		err error
	}
	var lines []entry
	at := map[string]int{} // hash → line
	br := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return LogSummary{}, fmt.Errorf("audit log %s: %w", path, err)
		}
		if !bytes.HasSuffix(line, []byte("\n")) {
			return tampered(len(lines)+1, "truncated: the last line is incomplete")
		}
		r, derr := decodeLine(bytes.TrimSuffix(line, []byte("\n")))
		lines = append(lines, entry{r, derr})
		if derr == nil {
			at[r.Hash] = len(lines)
		}
	}
	var prev string
	for i, e := range lines {
		n := i + 1
		if e.err != nil {
			return tampered(n, "%v", e.err)
		}
		r := e.rec
		if r.Prev != prev {
			if j, ok := at[r.Prev]; ok {
				return tampered(n, "reordered: it was written after the line that is now line %d", j)
			}
			if r.Prev == "" {
				return tampered(n, "reordered: it was written as the first line")
			}
			if r.Seq > n {
				return tampered(n, "removed: %d line(s) before it are missing", r.Seq-n)
			}
			return tampered(n, "removed: the line written before it is missing")
		}
		if r.Seq != n {
			return tampered(n, "reordered: it was written as line %d", r.Seq)
		}
		prev = r.Hash
	}
	n := len(lines)
	if head, ok := readHead(filepath.Join(filepath.Dir(path), JournalName)); ok && head.Seq > n {
		return tampered(n+1, "truncated: the journal says the log had %d lines, it has %d", head.Seq, n)
	}
	return LogSummary{Lines: n, LastHash: prev}, nil
}
