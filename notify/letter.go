package notify

import (
	"html/template"
	"strings"
)

// letter is a message's content, rendered once as plain text and once as
// HTML from the same paragraphs, so the two alternatives never disagree.
type letter struct {
	Lang     string
	Subject  string
	Greeting string
	Paras    []para
	Footer   []string
}

// para is a paragraph: lines, then optionally a link on a line of its
// own (a link in the HTML).
type para struct {
	Lines []string
	Link  string
}

func (l letter) text() string {
	var b strings.Builder
	b.WriteString(l.Greeting + "\n")
	for _, p := range l.Paras {
		b.WriteString("\n")
		for _, line := range p.Lines {
			b.WriteString(line + "\n")
		}
		if p.Link != "" {
			b.WriteString(p.Link + "\n")
		}
	}
	b.WriteString("\n-- \n")
	for _, line := range l.Footer {
		b.WriteString(line + "\n")
	}
	return b.String()
}

// letterHTML is the HTML form: plain markup with inline style only, as
// mail programs strip style sheets. html/template escapes every text and
// checks every link.
const letterHTML = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 40em">
<p>{{.Greeting}}</p>
{{range .Paras}}<p>{{range $i, $l := .Lines}}{{if $i}}<br>
{{end}}{{$l}}{{end}}{{if .Link}}{{if .Lines}}<br>
{{end}}<a href="{{.Link}}">{{.Link}}</a>{{end}}</p>
{{end}}<p style="color: #555; font-size: 90%">{{range $i, $l := .Footer}}{{if $i}}<br>
{{end}}{{$l}}{{end}}</p>
</body>
</html>
`

// newLetterTemplate parses letterHTML; the Mailer keeps one.
func newLetterTemplate() *template.Template {
	return template.Must(template.New("letter").Parse(letterHTML))
}

func (l letter) html(tmpl *template.Template) (string, error) {
	var b strings.Builder
	if err := tmpl.Execute(&b, l); err != nil {
		return "", err
	}
	return b.String(), nil
}
