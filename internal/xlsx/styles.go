package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
)

// dateClass says how a number in a given style is returned.
type dateClass uint8

const (
	notDate      dateClass = 0
	hasDatePart  dateClass = 1
	hasTimePart  dateClass = 2
	dateTimePart           = hasDatePart | hasTimePart
)

// readStyles returns the date class of every cellXfs entry (the index a
// cell's s attribute refers to). Only number formats matter here.
func readStyles(f *zip.File) ([]dateClass, error) {
	if f == nil {
		return nil, nil
	}
	b, err := readPart(f)
	if err != nil {
		return nil, err
	}
	custom := map[int]string{}
	var xfFmts []int
	depth, inCellXfs := 0, -1
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			switch e.Name.Local {
			case "numFmt":
				id, code := -1, ""
				for _, a := range e.Attr {
					switch a.Name.Local {
					case "numFmtId":
						id, _ = strconv.Atoi(a.Value)
					case "formatCode":
						code = a.Value
					}
				}
				if id >= 0 {
					custom[id] = code
				}
			case "cellXfs":
				inCellXfs = depth
			case "xf":
				if inCellXfs >= 0 && depth == inCellXfs+1 {
					id := 0
					for _, a := range e.Attr {
						if a.Name.Local == "numFmtId" {
							id, _ = strconv.Atoi(a.Value)
						}
					}
					xfFmts = append(xfFmts, id)
				}
			}
		case xml.EndElement:
			if depth == inCellXfs {
				inCellXfs = -1
			}
			depth--
		}
	}
	classes := make([]dateClass, len(xfFmts))
	for i, id := range xfFmts {
		if code, ok := custom[id]; ok {
			classes[i] = classifyFormat(code)
		} else {
			classes[i] = builtinClass(id)
		}
	}
	return classes, nil
}

// builtinClass classifies the built-in number formats (ECMA-376 18.8.30;
// 27–36 and 50–58 are the East Asian locale formats, of which 32–35 and
// 55–56 show times).
func builtinClass(id int) dateClass {
	switch {
	case id >= 14 && id <= 17:
		return hasDatePart
	case id >= 18 && id <= 21, id >= 45 && id <= 47, id >= 32 && id <= 35, id == 55, id == 56:
		return hasTimePart
	case id == 22:
		return dateTimePart
	case id >= 27 && id <= 31, id == 36, id >= 50 && id <= 58:
		return hasDatePart
	}
	return notDate
}

// classifyFormat looks for date/time tokens (y m d h s) in a custom format
// code, skipping quoted text, backslash escapes, _x/*x padding/fill and
// bracketed sections except the elapsed-time ones ([h], [mm], [ss]). A
// lone m is a month unless the format also has hours or seconds.
func classifyFormat(code string) dateClass {
	var y, m, d, h, s bool
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			for i++; i < len(code) && code[i] != '"'; i++ {
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := i + 1
			for j < len(code) && code[j] != ']' {
				j++
			}
			if elapsed(code[i+1 : j]) {
				h = true // any elapsed unit makes it a time format
			}
			i = j
		case 'y', 'Y':
			y = true
		case 'm', 'M':
			m = true
		case 'd', 'D':
			d = true
		case 'h', 'H':
			h = true
		case 's', 'S':
			s = true
		}
	}
	var cl dateClass
	if y || d || (m && !h && !s) {
		cl |= hasDatePart
	}
	if h || s {
		cl |= hasTimePart
	}
	return cl
}

// elapsed reports whether a bracketed format section is [h], [mm], [ss]...
func elapsed(sec string) bool {
	if sec == "" {
		return false
	}
	for i := 0; i < len(sec); i++ {
		if c := sec[i] | 0x20; c != sec[0]|0x20 || (c != 'h' && c != 'm' && c != 's') {
			return false
		}
	}
	return true
}
