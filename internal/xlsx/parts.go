package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Caps on the uncompressed size of parts. archive/zip itself fails a read
// that goes past an entry's declared size, so checking the declared sizes
// up front bounds what is ever inflated.
const (
	maxSheetSize = 4 << 30
	maxSSTSize   = 1 << 30
	maxMetaSize  = 64 << 20 // workbook, relationships, styles
	// maxRatio rejects zip bombs early. Real sheets compress 5–50x; deflate
	// cannot exceed ~1032x.
	maxRatio      = 500
	ratioFreeSize = 16 << 20 // small parts may compress as well as they like
)

// parts indexes the zip entries by part name. OOXML part names are
// case-insensitive; entry names are only ever used as lookup keys.
type parts map[string]*zip.File

func indexParts(zr *zip.Reader) parts {
	p := make(parts, len(zr.File))
	for _, f := range zr.File {
		key := strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, `\`, "/"), "/"))
		if _, dup := p[key]; !dup {
			p[key] = f
		}
	}
	return p
}

func (p parts) get(name string) *zip.File { return p[strings.ToLower(name)] }

// open opens a part after checking its declared size against limit.
func openPart(f *zip.File, limit uint64) (io.ReadCloser, error) {
	size := f.UncompressedSize64
	if size > limit {
		return nil, fmt.Errorf("%s: uncompressed size %d exceeds the limit of %d bytes", f.Name, size, limit)
	}
	if size > ratioFreeSize && size/maxRatio > f.CompressedSize64 {
		return nil, fmt.Errorf("%s: compression ratio above %d:1 (zip bomb?)", f.Name, maxRatio)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return rc, nil
}

// readPart reads a small part completely.
func readPart(f *zip.File) ([]byte, error) {
	rc, err := openPart(f, maxMetaSize)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return b, nil
}

type rel struct{ id, typ, target string }

// readRels parses a relationships part; a missing part is no relationships.
func readRels(p parts, name string) ([]rel, error) {
	f := p.get(name)
	if f == nil {
		return nil, nil
	}
	b, err := readPart(f)
	if err != nil {
		return nil, err
	}
	var rels []rel
	err = eachStart(b, func(e xml.StartElement) {
		if e.Name.Local != "Relationship" {
			return
		}
		var r rel
		external := false
		for _, a := range e.Attr {
			switch a.Name.Local {
			case "Id":
				r.id = a.Value
			case "Type":
				r.typ = a.Value
			case "Target":
				r.target = a.Value
			case "TargetMode":
				external = strings.EqualFold(a.Value, "External")
			}
		}
		if !external {
			rels = append(rels, r)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return rels, nil
}

// eachStart calls fn for every start element of a small XML document.
func eachStart(b []byte, fn func(xml.StartElement)) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = false // tolerate what Excel tolerates (unknown entities)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if e, ok := tok.(xml.StartElement); ok {
			fn(e)
		}
	}
}

// resolveTarget turns a relationship target into a part name: absolute
// targets ("/xl/worksheets/sheet1.xml") are rooted at the package, relative
// ones at the directory of the source part.
func resolveTarget(source, target string) string {
	target = strings.ReplaceAll(target, `\`, "/")
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+path.Join(path.Dir(source), target)), "/")
}

// relsName is the relationships part of a part: xl/workbook.xml ->
// xl/_rels/workbook.xml.rels.
func relsName(part string) string {
	return path.Join(path.Dir(part), "_rels", path.Base(part)+".rels")
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// workbookInfo is what the reader needs from the workbook part.
type workbookInfo struct {
	sheet, sst, styles *zip.File
	sheetName          string
	date1904           bool
}

var errNoSheet = errors.New("workbook has no worksheets")

// locate finds the workbook via the package relationships and resolves its
// first sheet (workbook order), shared strings and styles.
func locate(p parts) (*workbookInfo, error) {
	wbName := "xl/workbook.xml"
	rels, err := readRels(p, "_rels/.rels")
	if err != nil {
		return nil, err
	}
	for _, r := range rels {
		if hasSuffixFold(r.typ, "/officeDocument") {
			wbName = resolveTarget("", r.target)
			break
		}
	}
	wbFile := p.get(wbName)
	if wbFile == nil {
		return nil, fmt.Errorf("not an XLSX workbook: %s is missing", wbName)
	}
	b, err := readPart(wbFile)
	if err != nil {
		return nil, err
	}
	info := &workbookInfo{}
	firstID, found := "", false
	err = eachStart(b, func(e xml.StartElement) {
		switch e.Name.Local {
		case "workbookPr":
			for _, a := range e.Attr {
				if a.Name.Local == "date1904" {
					info.date1904 = a.Value == "1" || strings.EqualFold(a.Value, "true")
				}
			}
		case "sheet":
			if found {
				return
			}
			found = true
			for _, a := range e.Attr {
				switch {
				case a.Name.Local == "id" && a.Name.Space != "":
					firstID = a.Value
				case a.Name.Local == "name":
					info.sheetName = a.Value
				}
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", wbName, err)
	}
	if !found {
		return nil, errNoSheet
	}
	wbRelsName := relsName(wbName)
	wbRels, err := readRels(p, wbRelsName)
	if err != nil {
		return nil, err
	}
	for _, r := range wbRels {
		target := p.get(resolveTarget(wbName, r.target))
		switch {
		case r.id == firstID && firstID != "":
			info.sheet = target
			if target == nil {
				return nil, fmt.Errorf("first sheet %q: part %s is missing", info.sheetName, resolveTarget(wbName, r.target))
			}
		case hasSuffixFold(r.typ, "/sharedStrings") && info.sst == nil:
			info.sst = target
		case hasSuffixFold(r.typ, "/styles") && info.styles == nil:
			info.styles = target
		}
	}
	// Some writers omit these relationships; Excel finds the parts anyway.
	if info.sst == nil {
		info.sst = p.get(path.Join(path.Dir(wbName), "sharedStrings.xml"))
	}
	if info.styles == nil {
		info.styles = p.get(path.Join(path.Dir(wbName), "styles.xml"))
	}
	if info.sheet == nil {
		return nil, fmt.Errorf("first sheet %q: no relationship %q in %s", info.sheetName, firstID, wbRelsName)
	}
	return info, nil
}
