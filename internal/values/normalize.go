// The pure value normalisers: raw cell text -> canonical clean text per contracted type
// (docs/design.md, "Canonical clean values"). Nothing is guessed, rounded or truncated (the one
// documented rounding is of Excel serials, binary fractions of a day, to the millisecond): a
// value that does not fit its type is a *ValueError and its row is quarantined by the caller.

package values

import (
	"strconv"
	"strings"

	"github.com/sdetl/sdetl/internal/contract"
)

// Change flags say what normalisation did to a value (a value can have several).
type Change uint32

// The change flags, in the order of Change.Names.
const (
	ChangeNull        Change = 1 << iota // '' / whitespace / sentinel -> NULL (only when the raw was not already "")
	ChangeTrim                           // surrounding whitespace removed
	ChangeDate                           // date/time text re-formatted to ISO (day-first, month-first, ISO variants)
	ChangeExcelSerial                    // Excel serial number -> ISO
	ChangeEpoch                          // epoch seconds/millis -> ISO
	ChangeFloatInt                       // "3652948.0" -> "3652948"
	ChangeNumber                         // decimal/integer re-formatted ("7.50" -> "7.5", "+5" -> "5", "007" -> "7")
	ChangeFlag                           // yes/no/boolean spelling normalised
	ChangeNUL                            // NUL bytes removed
	ChangeNewline                        // CR LF / lone CR -> LF
	ChangeNewlineRun                     // runs of > 3 newlines collapsed to 3
	ChangeMonth                          // month re-formatted

	changeEnd // one past the last flag
)

// changeNames are the stable change-log names, indexed by bit position.
var changeNames = [...]string{
	"null_sentinel",
	"trim",
	"date_format",
	"excel_serial",
	"epoch",
	"float_int",
	"number_format",
	"flag_spelling",
	"text_nul",
	"text_crlf",
	"text_newline_run",
	"month_format",
}

// Names returns the stable snake_case names of the flags set in c, in bit order.
func (c Change) Names() []string {
	if c == 0 {
		return nil
	}
	var out []string
	for i, name := range changeNames {
		if c&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// Has reports whether every flag of f is set in c.
func (c Change) Has(f Change) bool { return c&f == f }

// ChangeNamed returns the flag with the given stable name, or 0.
func ChangeNamed(name string) Change {
	for i, n := range changeNames {
		if n == name {
			return 1 << i
		}
	}
	return 0
}

// Result is one normalised value.
type Result struct {
	Value   string // canonical text; "" when Null
	Null    bool
	Changes Change // 0 = value unchanged (raw == Value)
}

// ValueError says that a raw value does not convert to its contracted type.
type ValueError struct {
	Type   contract.Type
	Raw    string
	Reason string
}

func (e *ValueError) Error() string {
	return "invalid " + string(e.Type) + " " + strconv.Quote(e.Raw) + ": " + e.Reason
}

// Rule is the quarantine rule for the value, e.g. "invalid_timestamp".
func (e *ValueError) Rule() string { return contract.RuleInvalid(e.Type) }

func invalid(t contract.Type, raw, reason string) error {
	return &ValueError{Type: t, Raw: raw, Reason: reason}
}

// UnknownTypeError is returned by Normalize for a type the contract does not define.
// contract.Parse rejects such types, so this is a programming error, not a data error.
type UnknownTypeError struct{ Type contract.Type }

func (e *UnknownTypeError) Error() string {
	return "clean: unknown type " + strconv.Quote(string(e.Type))
}

// Normalizer converts raw cells to canonical clean values. It is immutable after
// NewNormalizer and safe for concurrent use.
type Normalizer struct {
	sentinels []sentinel
	maxLen    int // longest byte length a value matching a sentinel case-insensitively can have
	// asciiLens has bit l set when an ASCII sentinel is l bytes long, asciiFirst bit b when
	// one starts with byte b in either case; allASCII says every sentinel is ASCII. An ASCII
	// value of another length, or starting with another letter, then matches none
	// (nullTrimmed): most values are rejected on those two bits, not by case folding.
	asciiLens  uint64
	asciiFirst [2]uint64
	allASCII   bool
}

// NewNormalizer returns a normalizer treating the empty string, whitespace and the given sentinels
// (trimmed, case-insensitive) as NULL.
func NewNormalizer(sentinels []string) *Normalizer {
	n := &Normalizer{allASCII: true}
	for _, s := range sentinels {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		ascii := isASCII(s)
		n.sentinels = append(n.sentinels, sentinel{s, ascii})
		switch {
		case !ascii:
			n.allASCII = false
		case len(s) < 64:
			n.asciiLens |= 1 << len(s)
			for _, b := range [2]byte{lowerASCII(s[0]), upperASCII(s[0])} {
				n.asciiFirst[b>>6] |= 1 << (b & 63)
			}
		default:
			n.allASCII = false // beyond the mask: the loop decides
		}
		// Simple case folding maps a rune to runes of at most 3 UTF-8 bytes and at least 1,
		// so a match is at most 3x the sentinel's byte length.
		n.maxLen = max(n.maxLen, 3*len(s))
	}
	return n
}

// IsNull reports whether raw is empty, whitespace or a sentinel (case-insensitive, trimmed).
func (n *Normalizer) IsNull(raw string) bool {
	return n.nullTrimmed(TrimSpace(raw))
}

// nullTrimmed is IsNull for an already trimmed value.
func (n *Normalizer) nullTrimmed(s string) bool {
	if s == "" {
		return true
	}
	if len(s) > n.maxLen {
		return false
	}
	ascii := isASCII(s)
	if ascii && n.allASCII && (len(s) >= 64 || n.asciiLens&(1<<len(s)) == 0 || n.asciiFirst[s[0]>>6]&(1<<(s[0]&63)) == 0) {
		return false // no sentinel has its length or first letter: none can fold to it
	}
	for _, x := range n.sentinels {
		if ascii && x.ascii && len(s) != len(x.s) {
			continue // ASCII folds only to ASCII of the same length
		}
		if strings.EqualFold(s, x.s) {
			return true
		}
	}
	return false
}

// sentinel is a trimmed, non-empty null sentinel.
type sentinel struct {
	s     string
	ascii bool
}

func lowerASCII(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func upperASCII(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - ('a' - 'A')
	}
	return b
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Normalize converts one raw cell to the canonical text of type t. order decides ambiguous
// d/m values (both parts <= 12); "" means dmy. A value that does not convert is a
// *ValueError; NULL is Result{Null: true}.
func (n *Normalizer) Normalize(t contract.Type, order contract.DateOrder, raw string) (Result, error) {
	return n.normalize(t, order, nil, nil, raw)
}

// NormalizeColumn converts one raw cell of column c: Normalize with the column's type and date
// order, reading a bare number as a date only inside c.NumberDates when that is set, and a
// date only in c's format when it has one.
func (n *Normalizer) NormalizeColumn(c *contract.Column, raw string) (Result, error) {
	return n.normalize(c.Type, c.DateOrder, c.NumberDates, c.Layout, raw)
}

func (n *Normalizer) normalize(t contract.Type, order contract.DateOrder, numbers *contract.DaySpan, layout *contract.Layout, raw string) (Result, error) {
	s := TrimSpace(raw)
	if n.nullTrimmed(s) {
		if raw == "" {
			return Result{Null: true}, nil
		}
		return Result{Null: true, Changes: ChangeNull}, nil
	}
	var ch Change
	if len(s) != len(raw) {
		ch = ChangeTrim
	}
	var (
		v string
		c Change
		r reason
	)
	switch t {
	case contract.Text:
		return n.text(raw, s, ch)
	case contract.Integer:
		v, c, r = normInteger(s)
	case contract.Decimal:
		v, c, r = normDecimal(s)
	case contract.Timestamp:
		v, c, r = normTimestamp(s, order, numbers, layout)
	case contract.Timestamptz:
		v, c, r = normTimestamptz(s, order, layout)
	case contract.Date:
		v, c, r = normDate(s, order, numbers, layout)
	case contract.Time:
		v, c, r = normTime(s)
	case contract.Flag:
		v, c, r = normYesNo(s, "yes", "no")
	case contract.Boolean:
		v, c, r = normYesNo(s, "true", "false")
	case contract.Month:
		v, c, r = normMonth(s)
	default:
		return Result{}, &UnknownTypeError{Type: t}
	}
	if r != "" {
		return Result{}, invalid(t, raw, string(r))
	}
	return Result{Value: v, Changes: ch | c}, nil
}

// reason explains why a value does not convert; "" means it does. The converters return a
// constant reason and Normalize wraps it into a ValueError, so they allocate nothing on failure.
type reason string

// TrimSpace is strings.TrimSpace with a fast path for the common value that has nothing to
// trim. The profiler uses it too, so it trims exactly as cleaning does.
func TrimSpace(s string) string {
	if s == "" {
		return s
	}
	if f, l := s[0], s[len(s)-1]; f > ' ' && f < 0x80 && l > ' ' && l < 0x80 {
		return s
	}
	return strings.TrimSpace(s)
}

// ---- integer and decimal ----

const (
	errNumberSyntax = reason("not a plain number (optional sign, digits, optional fraction)")
	errIntFraction  = reason("has a non-zero fraction (integers are never rounded)")
	errIntRange     = reason("out of the 64-bit integer range")
)

// number is a scanned plain decimal number: [sign] digits [. digits], positions into s.
type number struct {
	neg          bool
	plus         bool
	iStart, iEnd int // integer digits s[iStart:iEnd] (may be empty)
	dot          int // index of '.', -1 if none
	fStart, fEnd int // fraction digits s[fStart:fEnd] (may be empty)
}

// scanNumber scans [+-] digits* [. digits*] with at least one digit overall.
func scanNumber(s string, signed bool) (number, bool) {
	var n number
	n.dot = -1
	i := 0
	if signed && i < len(s) && (s[i] == '+' || s[i] == '-') {
		n.neg = s[i] == '-'
		n.plus = s[i] == '+'
		i++
	}
	n.iStart = i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	n.iEnd = i
	n.fStart, n.fEnd = i, i
	if i < len(s) && s[i] == '.' {
		n.dot = i
		i++
		n.fStart = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		n.fEnd = i
	}
	if i != len(s) || (n.iEnd == n.iStart && n.fEnd == n.fStart) {
		return n, false
	}
	return n, true
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// stripLeadingZeros returns the start index of s[i:j] without leading zeros, keeping one digit
// when all are zero (so it returns j only when the range is empty).
func stripLeadingZeros(s string, i, j int) int {
	for i < j-1 && s[i] == '0' {
		i++
	}
	return i
}

func allZeros(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

const maxInt64 = "9223372036854775807"
const minInt64Abs = "9223372036854775808"

// normInteger: [+-]digits, or digits followed by a fraction of zeros only ("123.0", "123.").
func normInteger(s string) (string, Change, reason) {
	n, ok := scanNumber(s, true)
	if !ok || n.iEnd == n.iStart {
		return "", 0, errNumberSyntax
	}
	var ch Change
	if n.dot >= 0 {
		if !allZeros(s[n.fStart:n.fEnd]) {
			return "", 0, errIntFraction
		}
		ch |= ChangeFloatInt
	}
	is := stripLeadingZeros(s, n.iStart, n.iEnd)
	digits := s[is:n.iEnd]
	zero := digits == "0"
	if len(digits) > 19 || len(digits) == 19 && (!n.neg && digits > maxInt64 || n.neg && digits > minInt64Abs) {
		return "", 0, errIntRange
	}
	if n.plus || is != n.iStart || (n.neg && zero) {
		ch |= ChangeNumber
	}
	if ch == 0 {
		return s, 0, ""
	}
	switch {
	case !n.neg || zero:
		return digits, ch, ""
	case is == n.iStart: // "-123.0": sign and digits are contiguous
		return s[n.iStart-1 : n.iEnd], ch, ""
	default:
		return "-" + digits, ch, ""
	}
}

// normDecimal: [+-] digits [. digits], also ".5" and "5.", exact.
func normDecimal(s string) (string, Change, reason) {
	n, ok := scanNumber(s, true)
	if !ok {
		return "", 0, errNumberSyntax
	}
	// Integer digits without leading zeros; "" when there are none (".5") or all are zero.
	is := n.iStart
	for is < n.iEnd && s[is] == '0' {
		is++
	}
	// Fraction digits without trailing zeros.
	fe := n.fEnd
	for fe > n.fStart && s[fe-1] == '0' {
		fe--
	}
	intPart, frac := s[is:n.iEnd], s[n.fStart:fe]
	if intPart == "" && frac == "" {
		if s == "0" {
			return s, 0, ""
		}
		return "0", ChangeNumber, ""
	}
	// Canonical: ["-"] (intPart | "0") ["." frac]. Try to find it as one substring of s.
	start, end := is, n.iEnd
	if intPart == "" {
		// needs a single "0" before the point: use the last original zero if there is one
		if n.iEnd > n.iStart {
			start = n.iEnd - 1
		} else {
			start = -1 // no zero in s: must build
		}
	}
	if frac != "" {
		end = fe
	}
	if start >= 0 && n.neg {
		if start > 0 && s[start-1] == '-' {
			start--
		} else {
			start = -1
		}
	}
	if start >= 0 {
		v := s[start:end]
		if len(v) == len(s) {
			return s, 0, ""
		}
		return v, ChangeNumber, ""
	}
	var b strings.Builder
	b.Grow(len(intPart) + len(frac) + 3)
	if n.neg {
		b.WriteByte('-')
	}
	if intPart == "" {
		b.WriteByte('0')
	} else {
		b.WriteString(intPart)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String(), ChangeNumber, ""
}

// ---- flag, boolean ----

const errFlag = reason("not a yes/no value (yes, y, true, t, 1 / no, n, false, f, 0)")

// normYesNo maps the yes/no spellings to yes or no (the canonical spellings of the type).
func normYesNo(s, yes, no string) (string, Change, reason) {
	var v string
	switch len(s) {
	case 1:
		switch s[0] {
		case 'y', 'Y', 't', 'T', '1':
			v = yes
		case 'n', 'N', 'f', 'F', '0':
			v = no
		}
	case 2:
		if strings.EqualFold(s, "no") {
			v = no
		}
	case 3:
		if strings.EqualFold(s, "yes") {
			v = yes
		}
	case 4:
		if strings.EqualFold(s, "true") {
			v = yes
		}
	case 5:
		if strings.EqualFold(s, "false") {
			v = no
		}
	}
	switch {
	case v == "":
		return "", 0, errFlag
	case v == s:
		return s, 0, ""
	}
	return v, ChangeFlag, ""
}

// ---- month ----

const errMonth = reason("not a month (YYYY-MM or YYYY-M, month 1..12, year 1900..9999)")

// normMonth: YYYY-MM or YYYY-M.
func normMonth(s string) (string, Change, reason) {
	if len(s) < 6 || len(s) > 7 || s[4] != '-' {
		return "", 0, errMonth
	}
	y, ok := atoiDigits(s[:4])
	if !ok || y < minYear || y > maxYear {
		return "", 0, errMonth
	}
	m, ok := atoiDigits(s[5:])
	if !ok || m < 1 || m > 12 {
		return "", 0, errMonth
	}
	if len(s) == 7 {
		return s, 0, ""
	}
	return s[:5] + "0" + s[5:], ChangeMonth, ""
}

// atoiDigits parses a short non-empty string of ASCII digits.
func atoiDigits(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// ---- text ----

// text cleans free text: NUL bytes removed, CR LF and lone CR -> LF, runs of more than 3 LF ->
// 3 LF, then trimmed. s is raw trimmed (already known not to be NULL); trim is ChangeTrim or 0.
// A value that ends up empty or a sentinel is NULL.
func (n *Normalizer) text(raw, s string, trim Change) (Result, error) {
	nul := strings.IndexByte(raw, 0) >= 0
	cr := strings.IndexByte(raw, '\r') >= 0
	run := strings.Contains(raw, "\n\n\n\n")
	if !nul && !cr && !run {
		return Result{Value: s, Changes: trim}, nil
	}
	v, ch := textHygiene(raw)
	if t := strings.TrimSpace(v); len(t) != len(v) {
		v = t
		ch |= ChangeTrim
	}
	if n.nullTrimmed(v) {
		return Result{Null: true, Changes: ch | ChangeNull}, nil
	}
	return Result{Value: v, Changes: ch}, nil
}

// textHygiene removes NUL bytes, turns CR LF and lone CR into LF, then collapses runs of more
// than 3 LF to 3, in one pass with the result of applying the steps in that order: a NUL between
// CR and LF still makes a CR LF pair, and NULs and CR LF pairs inside a run of newlines count as
// one run.
func textHygiene(s string) (string, Change) {
	var b strings.Builder
	b.Grow(len(s))
	var ch Change
	run := 0         // LFs emitted in a row
	afterCR := false // the last byte that was not NUL was a CR (whose LF is already emitted)
	start := 0       // s[start:i] is copied as is
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 0:
			b.WriteString(s[start:i])
			start = i + 1
			ch |= ChangeNUL
			continue // NUL is removed first: it separates nothing
		case '\r':
			b.WriteString(s[start:i])
			start = i + 1
			ch |= ChangeNewline
			if run < 3 {
				b.WriteByte('\n')
			} else {
				ch |= ChangeNewlineRun
			}
			run++
			afterCR = true
			continue
		case '\n':
			if afterCR || run >= 3 {
				b.WriteString(s[start:i])
				start = i + 1
				if !afterCR {
					ch |= ChangeNewlineRun
					run++
				}
			} else {
				run++
			}
		default:
			run = 0
		}
		afterCR = false
	}
	b.WriteString(s[start:])
	return b.String(), ch
}
