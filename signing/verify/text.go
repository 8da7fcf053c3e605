package verify

import (
	"fmt"
	"strconv"
	"strings"
)

// Text is a problem sentence or change phrase in a form an application
// can translate: Key is the English format (a literal in this package's
// source, the message's identity), Args what fills its verbs, in order.
// Problems and Modifications.Changes stay plain English; Texts and
// ChangeTexts hold the same messages as Text, index for index.
//
// An argument is itself a Text: a literal (Key "", Lit the value,
// rendered with its verb in English: file names, numbers, times, error
// texts), a phrase to translate in turn (Key set), or a list of phrases
// joined with "; " (Key "", Args set).
type Text struct {
	Key  string `json:"key,omitempty"`
	Args []Text `json:"args,omitempty"`
	Lit  string `json:"lit,omitempty"`
}

// tf records format with its arguments. An argument that is a Text or a
// []Text (a list) stays translatable; any other value is rendered with
// its verb, as fmt.Sprintf would. format must be a string literal: the
// catalogue's completeness test finds the keys by looking for tf calls.
func tf(format string, args ...any) Text {
	t := Text{Key: format}
	verbs := Verbs(format)
	for i, a := range args {
		switch a := a.(type) {
		case Text:
			t.Args = append(t.Args, a)
		case []Text:
			t.Args = append(t.Args, list(a))
		default:
			verb := "%v"
			if i < len(verbs) {
				verb = verbs[i]
			}
			t.Args = append(t.Args, Text{Lit: fmt.Sprintf(verb, a)})
		}
	}
	return t
}

// lit is a literal argument: shown as it is in every language.
func lit(s string) Text { return Text{Lit: s} }

// list joins phrases with "; ".
func list(ts []Text) Text {
	if len(ts) == 1 {
		return ts[0]
	}
	return Text{Args: append([]Text{}, ts...)}
}

// String is the English message.
func (t Text) String() string { return t.Format(nil) }

// Format renders t with each key's format looked up in tr (nil, or a
// lookup that reports false: the English format). A translated format
// must hold the same verbs as the key; it may reorder them with explicit
// indexes (%[2]s).
func (t Text) Format(tr func(key string) (string, bool)) string {
	if t.Key == "" {
		if len(t.Args) == 0 {
			return t.Lit
		}
		parts := make([]string, len(t.Args))
		for i, a := range t.Args {
			parts[i] = a.Format(tr)
		}
		return strings.Join(parts, "; ")
	}
	format := t.Key
	if tr != nil {
		if f, ok := tr(t.Key); ok && f != "" {
			format = f
		}
	}
	var b strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		j, idx, ok := scanVerb(format, i)
		if !ok {
			b.WriteByte(c)
			continue
		}
		if format[j-1] == '%' {
			b.WriteByte('%')
			i = j - 1
			continue
		}
		n := next
		if idx > 0 {
			n = idx - 1
		}
		if n < len(t.Args) {
			b.WriteString(t.Args[n].Format(tr))
		} else {
			b.WriteString(format[i:j]) // a missing argument: keep the verb visible
		}
		next = n + 1
		i = j - 1
	}
	return b.String()
}

// scanVerb reads the verb that starts at format[i] == '%': flags, width,
// precision, an optional argument index [n] and the verb letter. It
// returns the index after the verb and the argument index (0: none).
func scanVerb(format string, i int) (end, index int, ok bool) {
	j := i + 1
	for j < len(format) && strings.IndexByte("+-# 0", format[j]) >= 0 {
		j++
	}
	if j < len(format) && format[j] == '[' {
		k := strings.IndexByte(format[j:], ']')
		if k < 0 {
			return 0, 0, false
		}
		n, err := strconv.Atoi(format[j+1 : j+k])
		if err != nil || n < 1 {
			return 0, 0, false
		}
		index = n
		j += k + 1
	}
	for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.') {
		j++
	}
	if j >= len(format) {
		return 0, 0, false
	}
	return j + 1, index, true
}

// Verbs lists the verbs of a format in argument order, without flags'
// meaning lost ("%q", "%d", "%s"; "%[2]s" counts as the second), so that
// a translation can be checked against its key. "%%" is no verb.
func Verbs(format string) []string {
	var out []string
	next := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j, idx, ok := scanVerb(format, i)
		if !ok {
			continue
		}
		if format[j-1] == '%' {
			i = j - 1
			continue
		}
		n := next
		if idx > 0 {
			n = idx - 1
		}
		for len(out) <= n {
			out = append(out, "")
		}
		v := format[i:j]
		if idx > 0 { // drop the index: "%[2]q" is "%q"
			v = "%" + v[strings.IndexByte(v, ']')+1:]
		}
		out[n] = v
		next = n + 1
		i = j - 1
	}
	return out
}
