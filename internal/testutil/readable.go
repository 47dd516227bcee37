package testutil

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stratabackup/strata/internal/usererror"
)

// goisms are what Go prints for values and library errors rather than
// for people: a bad verb, a struct, a nil, a pointer, a map, a wrapped
// strconv, json or time error, a panic.
var goisms = []string{"%!", "&{", "<nil>", "0xc0", "map[", "strconv.", "json: ", "parsing time", "runtime error", "goroutine "}

// Readable fails t unless msg can be shown to a user as it is: not empty,
// valid UTF-8, and free of [goisms] that input (what the user gave, which
// messages may quote) does not hold already.
func Readable(t testing.TB, msg string, input ...string) {
	t.Helper()
	if strings.TrimSpace(msg) == "" {
		t.Fatalf("empty message for %q", input)
	}
	if !utf8.ValidString(msg) {
		t.Fatalf("message is not valid UTF-8: %q", msg)
	}
	given := strings.Join(input, "\x00")
	for _, g := range goisms {
		if strings.Contains(msg, g) && !strings.Contains(given, g) {
			t.Fatalf("message shows Go's %q: %q", g, msg)
		}
	}
}

// UserError fails t unless err is a [usererror.Error] (in its chain) with
// a [Readable] message.
func UserError(t testing.TB, err error, input ...string) {
	t.Helper()
	msg, ok := usererror.Message(err)
	if !ok {
		t.Fatalf("error for %q is not a user error: %v", input, err)
	}
	Readable(t, msg, input...)
}
