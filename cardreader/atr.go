package cardreader

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
)

// SystemATRList is where pcsc-tools installs its list of known ATRs.
const SystemATRList = "/usr/share/pcsc/smartcard_list.txt"

// ATRTable names cards by their answer-to-reset (ISO/IEC 7816-3 §8). Its
// patterns are those of pcsc-tools' smartcard_list.txt: hex bytes separated
// by spaces, "." for any nibble and [...] classes, matched as regular
// expressions over the ATR written the same way.
type ATRTable struct {
	entries []atrEntry
}

type atrEntry struct {
	re   *regexp.Regexp
	name string
}

// ParseATRTable reads a table in smartcard_list.txt format. Lines that do
// not form a valid pattern are skipped: the system list is not ours to fix.
func ParseATRTable(data []byte) *ATRTable {
	t := &ATRTable{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var pending []string // patterns waiting for their first description
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			pending = nil
		case line[0] == '\t' || line[0] == ' ':
			name := strings.TrimSpace(line)
			for _, p := range pending {
				if re, err := regexp.Compile("^" + p + "$"); err == nil {
					t.entries = append(t.entries, atrEntry{re: re, name: name})
				}
			}
			pending = nil
		default:
			pending = append(pending, strings.ToUpper(strings.Join(strings.Fields(line), " ")))
		}
	}
	return t
}

// Identify returns the name of the card with this ATR, or "" and false.
func (t *ATRTable) Identify(atr []byte) (string, bool) {
	if t == nil || len(atr) == 0 {
		return "", false
	}
	s := FormatATR(atr)
	for _, e := range t.entries {
		if e.re.MatchString(s) {
			return e.name, true
		}
	}
	return "", false
}

// FormatATR writes an ATR as smartcard_list.txt does: "3B 8C 80 01".
func FormatATR(atr []byte) string {
	var b strings.Builder
	for i, c := range atr {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// Identifier names cards from Siegel's own table first, then from the
// system's list when one is installed (loaded once, on first use).
type Identifier struct {
	own        *ATRTable
	systemPath string
	once       sync.Once
	system     *ATRTable
}

// NewIdentifier builds an Identifier from Siegel's table and the system
// list at systemPath ("" for none).
func NewIdentifier(own []byte, systemPath string) *Identifier {
	return &Identifier{own: ParseATRTable(own), systemPath: systemPath}
}

// Identify names the card, or returns "" and false for an unknown ATR.
func (id *Identifier) Identify(atr []byte) (string, bool) {
	if name, ok := id.own.Identify(atr); ok {
		return name, true
	}
	id.once.Do(func() {
		if id.systemPath == "" {
			return
		}
		if data, err := os.ReadFile(id.systemPath); err == nil {
			id.system = ParseATRTable(data)
		}
	})
	return id.system.Identify(atr)
}
