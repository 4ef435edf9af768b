package bvh

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// lexer splits BVH text into lines and whitespace-separated fields, bounding every length.
// Fields are slices into the current line and stay valid only until the next line is loaded.
type lexer struct {
	r    *bufio.Reader
	lim  *Limits
	line int    // number of the current line, 1-based; 0 before the first
	cur  []byte // current line, terminator removed
	pos  int    // scan position in cur
	long []byte // holds a line longer than the reader's buffer
	read int64  // bytes consumed so far
	eof  bool
}

func newLexer(r io.Reader, lim *Limits) *lexer {
	// Reading one byte past the limit is how an oversized input is told from one of exactly MaxBytes.
	return &lexer{r: bufio.NewReaderSize(io.LimitReader(r, lim.MaxBytes+1), 64<<10), lim: lim}
}

// nextLine loads the next line and reports whether there was one.
func (lx *lexer) nextLine() (bool, error) {
	if lx.eof {
		lx.cur, lx.pos = nil, 0
		return false, nil
	}
	b, err := lx.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		lx.long = append(lx.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			if len(lx.long) > lx.lim.MaxLine+2 {
				return false, errAt(lx.line+1, ErrLimit, fmt.Sprintf("over %d bytes", lx.lim.MaxLine),
					"a line of at most %d bytes", lx.lim.MaxLine)
			}
			b, err = lx.r.ReadSlice('\n')
			lx.long = append(lx.long, b...)
		}
		b = lx.long
	}
	switch {
	case errors.Is(err, io.EOF):
		lx.eof = true
	case err != nil:
		return false, fmt.Errorf("bvh: reading line %d: %w", lx.line+1, err)
	}
	if len(b) == 0 {
		lx.cur, lx.pos = nil, 0
		return false, nil
	}
	lx.read += int64(len(b))
	if lx.read > lx.lim.MaxBytes {
		return false, errAt(lx.line+1, ErrLimit, "more", "at most %d bytes of input", lx.lim.MaxBytes)
	}
	lx.line++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	if lx.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\ufeff"))
	}
	if len(b) > lx.lim.MaxLine {
		return false, errAt(lx.line, ErrLimit, fmt.Sprintf("%d bytes", len(b)),
			"a line of at most %d bytes", lx.lim.MaxLine)
	}
	lx.cur, lx.pos = b, 0
	return true, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// field returns the next field on the current line, or nil at its end.
func (lx *lexer) field() ([]byte, error) {
	c, i := lx.cur, lx.pos
	for i < len(c) && isSpace(c[i]) {
		i++
	}
	j := i
	for j < len(c) && !isSpace(c[j]) {
		j++
	}
	lx.pos = j
	if i == j {
		return nil, nil
	}
	if j-i > lx.lim.MaxToken {
		return nil, errAt(lx.line, ErrLimit, fmt.Sprintf("%d bytes", j-i), "a field of at most %d bytes", lx.lim.MaxToken)
	}
	return c[i:j], nil
}

// token returns the next field, moving on to later lines as needed; nil at the end of input.
func (lx *lexer) token() ([]byte, error) {
	for {
		f, err := lx.field()
		if f != nil || err != nil {
			return f, err
		}
		ok, err := lx.nextLine()
		if !ok || err != nil {
			return nil, err
		}
	}
}

// value parses a field as a finite float within the magnitude limit. On failure it returns
// ErrSyntax or ErrValue unwrapped, for the caller to place.
func (lx *lexer) value(tok []byte) (float64, error) {
	v, ok := parseDecimal(tok)
	if !ok {
		var err error
		v, err = strconv.ParseFloat(string(tok), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return 0, ErrSyntax
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > lx.lim.MaxMagnitude {
		return 0, ErrValue
	}
	return v, nil
}

// number is value with the error placed on the current line; what names the field.
func (lx *lexer) number(tok []byte, what string) (float64, error) {
	v, err := lx.value(tok)
	if err != nil {
		return 0, lx.numberError(tok, what, err)
	}
	return v, nil
}

func (lx *lexer) numberError(tok []byte, what string, sentinel error) error {
	if sentinel == ErrValue {
		return errAt(lx.line, ErrValue, quote(tok), "a finite number of magnitude at most %g for %s",
			lx.lim.MaxMagnitude, what)
	}
	return errAt(lx.line, ErrSyntax, quote(tok), "a number for %s", what)
}

// pow10 holds the powers of ten that float64 represents exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseDecimal parses the plain decimals that fill BVH motion data ("-12.3456") without allocating.
// When the digits form an integer below 2^53 and there are at most 22 decimals, the mantissa and
// the power of ten are both exact, so one correctly rounded division gives the same result as
// strconv.ParseFloat. It reports false for anything else (exponents, long mantissas, junk), which
// the caller hands to strconv.
func parseDecimal(b []byte) (float64, bool) {
	i, neg := 0, false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		i++
	}
	var m uint64
	nd, frac := 0, 0
	for ; i < len(b); i++ {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		m = m*10 + uint64(c)
		nd++
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b); i++ {
			c := b[i] - '0'
			if c > 9 {
				break
			}
			m = m*10 + uint64(c)
			nd++
			frac++
		}
	}
	// 19 digits cannot overflow a uint64; beyond 2^53 the mantissa may not be exact.
	if i != len(b) || nd == 0 || nd > 19 || m > 1<<53 || frac >= len(pow10) {
		return 0, false
	}
	v := float64(m) / pow10[frac]
	if neg {
		v = -v
	}
	return v, true
}
