// Gencopyright writes the Debian machine-readable copyright file
// (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/)
// for a built siegel binary: Siegel's own licence, the Go toolchain's,
// the licence files of every Go module linked into the binary (read from
// its build information, so the list is exactly what was linked), and
// the notices of what pdfium.wasm bundles (packaging/licenses/wasm.list).
//
//	go run ./packaging/licenses/gencopyright -binary dist/siegel -o copyright
//
// The modules must be in the module cache (they are, after the build).
// A licence text it cannot classify is an error, so that a new
// dependency's licence is looked at before a release ships it.
package main

import (
	"bufio"
	"debug/buildinfo"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
)

func main() {
	binary := flag.String("binary", "", "the siegel `binary` whose modules are listed")
	out := flag.String("o", "", "write the copyright file to `FILE` (default: standard output)")
	root := flag.String("root", ".", "the repository `DIR` (LICENSE, packaging/licenses)")
	flag.Parse()
	if *binary == "" {
		fmt.Fprintln(os.Stderr, "usage: gencopyright -binary FILE [-o FILE] [-root DIR]")
		os.Exit(2)
	}
	text, err := generate(*binary, *root)
	if err == nil {
		if *out == "" {
			_, err = os.Stdout.WriteString(text)
		} else {
			err = os.WriteFile(*out, []byte(text), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gencopyright:", err)
		os.Exit(1)
	}
}

// paragraph is one Files paragraph of the copyright file.
type paragraph struct {
	files, copyright, license, comment string
	text                               string // the licence text, verbatim
	prepared                           bool   // text already went through licenseText
}

func generate(binary, root string) (string, error) {
	info, err := buildinfo.ReadFile(binary)
	if err != nil {
		return "", fmt.Errorf("read build information of %s: %w", binary, err)
	}
	modCache, err := goEnv("GOMODCACHE")
	if err != nil {
		return "", err
	}
	goRoot, err := goEnv("GOROOT")
	if err != nil {
		return "", err
	}

	var b strings.Builder
	b.WriteString("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
	b.WriteString("Upstream-Name: Siegel\n")
	b.WriteString("Source: https://github.com/siegel-app/siegel\n")
	b.WriteString("Comment: /usr/bin/siegel is one statically linked Go program. Besides Siegel\n")
	b.WriteString(" it contains the Go runtime and standard library, the Go modules listed\n")
	b.WriteString(" below (by module path and version), and PDFium compiled to WebAssembly\n")
	b.WriteString(" (pdfium.wasm, inside github.com/klippa-app/go-pdfium) with the libraries\n")
	b.WriteString(" it bundles. The Files fields name those components, not paths of this\n")
	b.WriteString(" package.\n")

	own, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		return "", fmt.Errorf("read Siegel's licence: %w", err)
	}
	var paras []paragraph
	if lic, _ := classify(string(own)); lic != "Apache-2.0" {
		return "", fmt.Errorf("%s: expected the Apache License 2.0, found %q", filepath.Join(root, "LICENSE"), lic)
	}
	paras = append(paras, paragraph{files: "*", copyright: "2026 The Siegel authors", license: "Apache-2.0", text: string(own)})

	goLicense, err := os.ReadFile(filepath.Join(goRoot, "LICENSE"))
	if err != nil {
		return "", fmt.Errorf("read the Go licence: %w", err)
	}
	paras = append(paras, paragraph{
		files: "go/*", comment: "The Go runtime and standard library, " + info.GoVersion + ".",
		copyright: copyrights(string(goLicense), "The Go Authors"), license: "BSD-3-clause", text: string(goLicense),
	})

	for _, dep := range info.Deps {
		m := dep
		if m.Replace != nil {
			m = m.Replace
		}
		dir := filepath.Join(modCache, escape(m.Path)+"@"+m.Version)
		ps, err := moduleParagraphs(dir, dep.Path, m.Version)
		if err != nil {
			return "", err
		}
		paras = append(paras, ps...)
	}

	ws, err := wasmParagraphs(filepath.Join(root, "packaging", "licenses"))
	if err != nil {
		return "", err
	}
	paras = append(paras, ws...)

	for _, p := range paras {
		b.WriteString("\nFiles: " + p.files + "\n")
		b.WriteString("Copyright: " + field(p.copyright))
		b.WriteString("License: " + p.license + "\n")
		text := p.text
		if !p.prepared {
			text = licenseText(p.license, text)
		}
		b.WriteString(body(text))
		if p.comment != "" {
			b.WriteString("Comment: " + field(p.comment))
		}
	}
	return b.String(), nil
}

func goEnv(name string) (string, error) {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// escape is the module cache's spelling of a module path: upper-case
// letters become '!' and the lower-case letter (golang.org/x/mod/module).
func escape(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var (
	licenseName = regexp.MustCompile(`(?i)^(licen[cs]e|copying|unlicense)([-_.].*)?$`)
	noticeName  = regexp.MustCompile(`(?i)^(notice|patents|authors)([-_.].*)?$`)
	// Folders whose code is not linked into the binary.
	skipDir = regexp.MustCompile(`^(testdata|_examples|examples|example|cmd|\.git|\.github)$`)
)

// moduleParagraphs makes a paragraph for each folder of the module that
// holds a licence file, with the NOTICE and PATENTS texts beside it.
func moduleParagraphs(dir, path, version string) ([]paragraph, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fmt.Errorf("module %s %s is not in the module cache (%v); run go mod download", path, version, err)
	}
	licenses := map[string][]string{} // folder → licence files
	notices := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != dir && skipDir.MatchString(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, filepath.Dir(p))
		switch {
		case licenseName.MatchString(d.Name()) && !strings.HasSuffix(d.Name(), ".go"):
			licenses[rel] = append(licenses[rel], p)
		case noticeName.MatchString(d.Name()) && !strings.HasSuffix(d.Name(), ".go") && strings.ToLower(d.Name()) != "authors":
			notices[rel] = append(notices[rel], p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the licence files of %s: %w", dir, err)
	}
	if len(licenses["."]) == 0 {
		return nil, fmt.Errorf("module %s %s has no licence file in %s", path, version, dir)
	}
	folders := make([]string, 0, len(licenses))
	for f := range licenses {
		folders = append(folders, f)
	}
	sort.Strings(folders)
	var out []paragraph
	for _, f := range folders {
		files := path + "/*"
		if f != "." {
			files = path + "/" + filepath.ToSlash(f) + "/*"
		}
		// Several licence files in one folder (fonts, vendored code) make
		// one paragraph: its files are under all of them.
		var lics, texts, copyr, names []string
		for _, name := range licenses[f] {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			text := string(data)
			lic, ok := classify(text)
			if !ok {
				return nil, fmt.Errorf("%s: licence not recognised; add its rule to classify in packaging/licenses/gencopyright", name)
			}
			rel := filepath.ToSlash(mustRel(dir, name))
			if len(licenses[f]) > 1 {
				text = "[" + rel + "]\n" + licenseText(lic, text)
			} else {
				text = licenseText(lic, text)
			}
			if !slices.Contains(lics, lic) {
				lics = append(lics, lic)
			}
			texts = append(texts, text)
			copyr = append(copyr, copyrights(text, ""))
			names = append(names, rel)
		}
		comment := fmt.Sprintf("Go module %s %s (%s).", path, version, strings.Join(names, ", "))
		for _, n := range notices[f] {
			nd, err := os.ReadFile(n)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", n, err)
			}
			comment += "\n" + filepath.Base(n) + ":\n" + string(nd)
		}
		c := strings.TrimSpace(strings.Join(copyr, "\n"))
		if c == "" {
			c = "The " + path + " authors"
		}
		out = append(out, paragraph{
			files: files, copyright: c, license: strings.Join(lics, " and "),
			comment: comment, text: strings.Join(texts, "\n\n"), prepared: true,
		})
	}
	return out, nil
}

func mustRel(base, p string) string {
	r, err := filepath.Rel(base, p)
	if err != nil {
		return p
	}
	return r
}

// wasmParagraphs reads wasm.list: the notices of what pdfium.wasm bundles.
func wasmParagraphs(dir string) ([]paragraph, error) {
	list := filepath.Join(dir, "wasm.list")
	f, err := os.Open(list)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", list, err)
	}
	defer f.Close()
	var out []paragraph
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "|")
		if len(cols) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 columns separated by |, got %d", list, n, len(cols))
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		data, err := os.ReadFile(filepath.Join(dir, cols[0]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", list, n, err)
		}
		text := string(data)
		out = append(out, paragraph{
			files: cols[1], copyright: copyrights(text, "see the licence text"), license: cols[2],
			comment: cols[3] + " (in pdfium.wasm; text from packaging/licenses/" + cols[0] + ").", text: text,
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", list, err)
	}
	return out, nil
}

// classify names the licence of text by its wording (SPDX-like short
// names as Debian writes them), and false when it knows none.
func classify(text string) (string, bool) {
	t := strings.Join(strings.Fields(text), " ")
	has := func(s ...string) bool {
		for _, x := range s {
			if !strings.Contains(t, x) {
				return false
			}
		}
		return true
	}
	switch {
	case has("Apache License", "Version 2.0"):
		return "Apache-2.0", true
	case has("Mozilla Public License", "2.0"):
		return "MPL-2.0", true
	case has("SIL OPEN FONT LICENSE") || has("SIL Open Font License"):
		return "OFL-1.1", true
	case has("Bitstream Vera"):
		return "Bitstream-Vera", true
	case has("Redistribution and use in source and binary forms"):
		if has("Neither the name") || has("names of its contributors") || has("names of the copyright holders") || has("name of the copyright holder") {
			return "BSD-3-clause", true
		}
		return "BSD-2-clause", true
	case has("Permission is hereby granted, free of charge"):
		return "Expat", true
	case has("Permission to use, copy, modify, and/or distribute this software for any purpose"),
		has("Permission to use, copy, modify, and distribute this software for any purpose with or without fee"):
		return "ISC", true
	case has("This software is provided 'as-is'"):
		return "Zlib", true
	case has("This is free and unencumbered software released into the public domain"):
		return "Unlicense", true
	}
	return "", false
}

var apacheTitle = regexp.MustCompile(`\s*Apache License\s+Version 2\.0, January 2004\s+https?://www\.apache\.org/licenses/?\s*$`)

var copyrightLine = regexp.MustCompile(`(?i)^\s*(?://|#|\*)?\s*(copyright\b.*(\d{4}|\(c\)|©).*)$`)

// copyrights is the Copyright field: the copyright lines of text, or
// fallback when it has none.
func copyrights(text, fallback string) string {
	seen := map[string]bool{}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		m := copyrightLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		c := strings.TrimSpace(m[1])
		c = strings.TrimSpace(strings.TrimPrefix(c, "Copyright: "))
		if !seen[c] {
			seen[c] = true
			lines = append(lines, c)
		}
	}
	if len(lines) == 0 {
		return fallback
	}
	return strings.Join(lines, "\n")
}

// licenseText is what follows the License line: the text, except that the
// terms of licences in /usr/share/common-licenses are referred to there
// (Debian policy 12.5) and only what surrounds them (copyright lines,
// other licences, exceptions) is kept.
func licenseText(license, text string) string {
	if i := strings.Index(text, "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION"); i >= 0 {
		end := strings.Index(text, "END OF TERMS AND CONDITIONS")
		if end < 0 && strings.Contains(text[i:], "9. Accepting Warranty or Additional Liability") {
			end = len(text) // some copies stop after the last section
		}
		if end > i && strings.Contains(text[:i], "Apache License") {
			// The licence's own title lines go with its terms.
			pre := apacheTitle.ReplaceAllString(text[:i], "")
			post := ""
			if end < len(text) {
				post = strings.TrimSpace(text[end+len("END OF TERMS AND CONDITIONS"):])
			}
			if strings.Contains(post, "[yyyy]") {
				// The unfilled how-to-apply template says nothing about this work;
				// whatever follows it (another licence) stays.
				if k := strings.Index(post, "limitations under the License."); k >= 0 {
					post = strings.TrimSpace(post[k+len("limitations under the License."):])
				} else {
					post = ""
				}
			}
			ref := "On Debian systems, the complete text of the Apache License, Version 2.0,\ncan be found in /usr/share/common-licenses/Apache-2.0."
			return strings.Join(nonEmpty(strings.TrimSpace(pre), ref, post), "\n\n")
		}
	}
	if license == "MPL-2.0" {
		return "On Debian systems, the complete text of the Mozilla Public License,\nversion 2.0, can be found in /usr/share/common-licenses/MPL-2.0."
	}
	return text
}

func nonEmpty(s ...string) []string {
	var out []string
	for _, x := range s {
		if x != "" {
			out = append(out, x)
		}
	}
	return out
}

// field formats a (possibly multi-line) field value: continuation lines
// start with a space, blank lines are " .".
func field(v string) string {
	lines := strings.Split(strings.TrimSpace(v), "\n")
	var b strings.Builder
	b.WriteString(strings.TrimSpace(lines[0]) + "\n")
	if len(lines) > 1 {
		b.WriteString(body(strings.Join(lines[1:], "\n")))
	}
	return b.String()
}

// body indents text as the continuation lines of a field.
func body(text string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(text, "\r", ""), "\n "), "\n") {
		l = strings.TrimRight(strings.ReplaceAll(l, "\t", "    "), " ")
		if l == "" {
			if !strings.HasSuffix(b.String(), " .\n") {
				b.WriteString(" .\n")
			}
			continue
		}
		b.WriteString(" " + l + "\n")
	}
	return b.String()
}
