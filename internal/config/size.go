package config

import (
	"fmt"
	"math/bits"
	"strconv"

	"go.yaml.in/yaml/v4"
)

const (
	kiB = 1 << 10
	miB = 1 << 20
)

// sizeUnits maps the accepted size units to their factor in bytes.
var sizeUnits = map[string]uint64{"B": 1, "KiB": kiB, "MiB": miB}

const wantSize = "a size such as 64KiB, 16 KiB or 65536 (bytes)"

// size decodes a stack size and checks it against MinStack, MaxStack and
// StackAlign.
func (p *parser) size(n *yaml.Node, at string) (uint64, bool) {
	v, ok := p.bytes(n, at)
	if !ok {
		return 0, false
	}
	if msg := checkSize(v); msg != "" {
		p.errorf(n, at, "%s", msg)
		return 0, false
	}
	return v, true
}

// bytes decodes a size: an integer number of bytes or a string with a unit.
func (p *parser) bytes(n *yaml.Node, at string) (uint64, bool) {
	if !p.checkTag(n, at) {
		return 0, false
	}
	var v uint64
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!int":
		if msg := intForm(n.Value, true); msg != "" {
			p.errorf(n, at, "must be %s %s, got %s", wantSize, msg, clip(n.Value))
			return 0, false
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			if i < 0 {
				p.errorf(n, at, "must be %s, got %s", wantSize, describe(n))
				return 0, false
			}
			v = uint64(i)
		} else if err := n.Decode(&v); err != nil {
			p.errorf(n, at, "must be at most %s, got %s", FormatSize(MaxStack), describe(n))
			return 0, false
		}
	case n.Kind == yaml.ScalarNode && n.Tag == "!!str":
		var msg string
		if v, msg = parseSize(n.Value); msg != "" {
			p.errorf(n, at, "%s", msg)
			return 0, false
		}
	default:
		p.errorf(n, at, "must be %s, got %s", wantSize, describe(n))
		return 0, false
	}
	return v, true
}

// parseSize parses "<integer><unit>" or "<integer> <unit>". It returns the
// size in bytes, or a message saying what is wrong.
func parseSize(s string) (uint64, string) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	digits, unit := s[:i], s[i:]
	if len(unit) > 0 && unit[0] == ' ' {
		unit = unit[1:]
	}
	if digits == "" || !isLetters(unit) {
		return 0, fmt.Sprintf("must be %s, got %s", wantSize, quote(s))
	}
	if unit == "" {
		return 0, fmt.Sprintf("missing unit in %s (use B, KiB or MiB, or an unquoted integer for bytes)", quote(s))
	}
	mult, ok := sizeUnits[unit]
	if !ok {
		return 0, fmt.Sprintf("unknown unit %s in %s (use B, KiB or MiB)", quote(unit), quote(s))
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	hi, v := bits.Mul64(n, mult)
	if err != nil || hi != 0 {
		return 0, fmt.Sprintf("must be at most %s, got %s", FormatSize(MaxStack), quote(s))
	}
	return v, ""
}

func isLetters(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkSize returns why v bytes is not a valid stack size, or "".
func checkSize(v uint64) string {
	switch {
	case v > MaxStack:
		return fmt.Sprintf("must be at most %s, got %s", FormatSize(MaxStack), FormatSize(v))
	case v%StackAlign != 0:
		return fmt.Sprintf("must be a multiple of %s, got %s", FormatSize(StackAlign), FormatSize(v))
	case v < MinStack:
		return fmt.Sprintf("must be at least %s, got %s", FormatSize(MinStack), FormatSize(v))
	}
	return ""
}

// FormatSize writes a byte count the way a config does: 16 KiB, 1 MiB, 100 B.
func FormatSize(v uint64) string {
	switch {
	case v != 0 && v%miB == 0:
		return fmt.Sprintf("%d MiB", v/miB)
	case v != 0 && v%kiB == 0:
		return fmt.Sprintf("%d KiB", v/kiB)
	}
	return fmt.Sprintf("%d B", v)
}
