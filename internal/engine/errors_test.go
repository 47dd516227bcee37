package engine

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// A storage error's hint is for users, but it is not the engine's message:
// the engine says what it was doing, then quotes the hint.
func TestUserErrorSkipsStorageHints(t *testing.T) {
	hinted := &storage.Error{Op: "write", Key: "data/1", Err: syscall.ENOSPC, Hint: "the disk holding /b is full: free space or choose another collection"}
	plain := &storage.Error{Op: "write", Key: "data/1", Err: errors.New("boom")}
	ownErr := userErrorf(hinted, "writing the backup to storage failed: %s", storageMessage(hinted))
	own := ownErr.(*usererror.Error)
	for _, tt := range []struct {
		err  error
		want *usererror.Error
	}{
		{nil, nil},
		{hinted, nil},
		{&storageWriteError{fmt.Errorf("close: %w", hinted)}, nil},
		{errors.Join(plain, hinted), nil},
		{own, own},
		{fmt.Errorf("x: %w", own), own},
		{&storage.Error{Op: "write", Err: own, Hint: "h"}, own}, // the engine's error, failing an upload
		{errors.Join(hinted, own), own},
	} {
		if got := userError(tt.err); got != tt.want {
			t.Errorf("userError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	if msg, ok := usererror.Message(own); !ok || msg != "writing the backup to storage failed: the disk holding /b is full: free space or choose another collection" {
		t.Errorf("message = %q", msg)
	}
	if got := storageError(hinted); got.Error() != own.Error() || !errors.Is(got, syscall.ENOSPC) {
		t.Errorf("storageError(hinted) = %v", got)
	}
	if got := storageError(plain); got.Error() != "writing the backup to storage failed: storage: write data/1: boom" {
		t.Errorf("storageError(plain) = %v", got)
	}
	if got := storageError(ownErr); got != ownErr {
		t.Errorf("storageError(own) = %v, want it unchanged", got)
	}
}
