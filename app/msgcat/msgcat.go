// Package msgcat holds what Siegel's message catalogues outside the GUI
// share (the CLI's and the verification sentences'): flat JSON files
// mapping the English text to its translation, one per language, and
// the reduction of a locale name to a language code.
package msgcat

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Load reads dir/LANG.json from fsys for each language. The files are
// embedded, so an error is a build mistake; callers panic on it and
// their catalogue tests catch it first.
func Load(fsys fs.FS, dir string, langs []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(langs))
	for _, l := range langs {
		name := path.Join(dir, l+".json")
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[l] = m
	}
	return out, nil
}

// Base is the language of a language or locale name: "de_AT.UTF-8",
// "sl-SI" and "DE" give "de", "sl" and "de"; "C" gives "c".
func Base(name string) string {
	l := strings.ToLower(name)
	if i := strings.IndexAny(l, "_.@-"); i >= 0 {
		l = l[:i]
	}
	return l
}
