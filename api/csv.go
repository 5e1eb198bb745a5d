package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// CSV for spreadsheets: UTF-8 with a byte-order mark (without it Excel
// reads UTF-8 as the local code page and breaks every ä), CRLF line ends,
// fields quoted where needed. ?sep=semicolon gives ";" as the separator
// and a decimal comma, which is what Excel in a Finnish (or Swedish)
// locale expects; the default is "," with a decimal point. Text that
// starts like a formula (=, +, -, @) gets a leading apostrophe, so a
// name cannot run as a formula in Excel.

// table is a CSV table: a header and rows of cells.
type table struct {
	header []string
	rows   [][]cell
}

// cell is one value; numbers are formatted by the writer (decimal point
// or comma), text is protected against formula injection.
type cell struct {
	text  string
	num   float64
	isNum bool
}

func txt(s string) cell  { return cell{text: s} }
func num(n int) cell     { return cell{num: float64(n), isNum: true} }
func dec(m Minutes) cell { return cell{num: float64(m), isNum: true} }

func yes(b bool) cell {
	if b {
		return num(1)
	}
	return num(0)
}

// csvFormat is the separator choice of a request.
type csvFormat struct {
	sep          rune
	decimalComma bool
}

func csvFormatOf(r *http.Request) (csvFormat, error) {
	switch r.URL.Query().Get("sep") {
	case "", "comma", ",":
		return csvFormat{sep: ','}, nil
	case "semicolon", ";":
		return csvFormat{sep: ';', decimalComma: true}, nil
	}
	return csvFormat{}, invalid("sep", `must be "comma" or "semicolon"`)
}

func (f csvFormat) format(c cell) string {
	if !c.isNum {
		if c.text != "" && strings.ContainsRune("=+-@", rune(c.text[0])) {
			return "'" + c.text
		}
		return c.text
	}
	s := strconv.FormatFloat(c.num, 'f', -1, 64)
	if f.decimalComma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// render writes the table as CSV bytes.
func (f csvFormat) render(t table) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.Comma = f.sep
	w.UseCRLF = true
	if err := w.Write(t.header); err != nil {
		return nil, err
	}
	for _, row := range t.rows {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = f.format(c)
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// writeCSV answers with the table as a download named name.csv.
func writeCSV(c *call, f csvFormat, name string, t table) (written, error) {
	b, err := f.render(t)
	if err != nil {
		return written{}, fmt.Errorf("csv: %w", err)
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": fileName(name) + ".csv"}))
	c.w.WriteHeader(http.StatusOK)
	_, _ = c.w.Write(b)
	return written{}, nil
}

// fileName keeps letters and digits (any script) and makes the rest "-".
func fileName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "report"
	}
	return out
}

// localTime is a time for a spreadsheet: local in its zone, without the
// offset, in a form Excel reads as a date and time in any locale.
func localTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.Format("2006-01-02 15:04")
}
