package usererror

import (
	"errors"
	"fmt"
	"testing"
)

func TestMessage(t *testing.T) {
	sentinel := New("job not found")
	cause := errors.New("dial tcp: refused")
	wrapped := Wrap(cause, "cannot reach %s: is it running?", "db:5432")
	tests := []struct {
		err    error
		want   string
		isUser bool
	}{
		{nil, "", false},
		{cause, "", false},
		{sentinel, "job not found", true},
		{fmt.Errorf("jobs: get 7: %w", sentinel), "job not found", true},
		{Errorf("job %d is already %s", 7, "paused"), "job 7 is already paused", true},
		{wrapped, "cannot reach db:5432: is it running?", true},
		{fmt.Errorf("%w: %w", cause, Wrap(sentinel, "outer")), "outer", true},
		{errors.Join(cause, New("first"), New("second")), "first", true},
	}
	for _, tt := range tests {
		got, ok := Message(tt.err)
		if got != tt.want || ok != tt.isUser {
			t.Errorf("Message(%v) = %q, %v; want %q, %v", tt.err, got, ok, tt.want, tt.isUser)
		}
	}
	if !errors.Is(wrapped, cause) || errors.Unwrap(wrapped) != cause || wrapped.Error() != "cannot reach db:5432: is it running?" {
		t.Errorf("Wrap lost its cause or message: %#v", wrapped)
	}
	if !errors.Is(fmt.Errorf("x: %w", sentinel), sentinel) || errors.Is(New("job not found"), sentinel) {
		t.Error("a sentinel must match itself only")
	}
	if e := Errorf("100%% %s", "done"); e.Msg != "100% done" || e.Cause != nil {
		t.Errorf("Errorf = %#v", e)
	}
}
