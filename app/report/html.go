package report

import (
	"html/template"
	"io"
)

// WriteHTML writes the report as one self-contained HTML page (no
// scripts, no external resources) that prints on A4.
func WriteHTML(w io.Writer, m Meta, entries []Entry) error {
	return htmlPage.Execute(w, build(m, entries))
}

var htmlPage = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="generator" content="{{.Footer}}">
<title>{{.Title}}</title>
<style>
body { font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 11pt; color: #111; margin: 2em auto; max-width: 48em; line-height: 1.4; }
h1 { font-size: 18pt; margin-bottom: 0.2em; }
h2 { font-size: 13pt; margin: 1.6em 0 0.4em; padding-bottom: 0.2em; border-bottom: 1px solid #999; word-break: break-all; }
h3 { font-size: 11.5pt; margin: 1.2em 0 0.3em; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; vertical-align: top; width: 13em; font-weight: 600; padding: 0.15em 0.8em 0.15em 0; }
td { vertical-align: top; padding: 0.15em 0; word-break: break-word; }
.result { font-weight: bold; }
.passed { color: #0a6b0a; }
.failed { color: #b00020; }
.indeterminate { color: #8a5a00; }
.sig { border-left: 4px solid #bbb; padding-left: 0.8em; margin: 0.8em 0; page-break-inside: avoid; }
.sig.passed { border-color: #0a6b0a; } .sig.failed { border-color: #b00020; } .sig.indeterminate { border-color: #c08000; }
.sig table { color: #111; }
ul { margin: 0.3em 0; }
footer { margin-top: 2em; font-size: 9pt; color: #555; border-top: 1px solid #ccc; padding-top: 0.4em; }
@page { size: A4; margin: 18mm; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p>{{.Intro}}</p>
<table class="meta">
{{range .Meta}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
{{range .Files}}
<section class="file">
<h2>{{.File}}</h2>
<table>
<tr><th>{{$.ResultLabel}}</th><td class="result {{.Status}}">{{.Result}}</td></tr>
{{range .Facts}}<tr><th>{{.Label}}</th><td>{{.Value}}</td></tr>
{{end}}{{if .Error}}<tr><th></th><td class="failed">{{.Error}}</td></tr>
{{end}}</table>
{{range .Sigs}}
<div class="sig {{.Status}}">
<h3>{{.Title}}</h3>
<table>
{{$st := .Status}}{{range $i, $f := .Facts}}<tr><th>{{$f.Label}}</th><td{{if eq $i 0}} class="result {{$st}}"{{end}}>{{$f.Value}}</td></tr>
{{end}}</table>
{{if .Problems}}<p><strong>{{$.ProblemsLabel}}</strong></p>
<ul>{{range .Problems}}<li>{{.}}</li>{{end}}</ul>{{end}}
</div>
{{end}}
</section>
{{end}}
<footer>{{.Footer}}</footer>
</body>
</html>
`))
