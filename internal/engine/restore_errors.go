package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stratabackup/strata/internal/collection"
)

// targetError turns an error from the target cluster into a message for
// users. Connection failures already are (connect says what to fix).
func targetError(err error) error {
	if err == nil || userError(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if isConnLost(err) {
		return userErrorf(err, "lost the connection to the target cluster (%v): check that the server is running and reachable, then resume or restart the restore", err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "42501": // insufficient_privilege
			return userErrorf(err, "the target cluster's user may not do this: %s. Restores need a superuser, or a role with CREATEDB and CREATEROLE that owns the target database", pgErr.Message)
		case "53100": // disk_full
			return userErrorf(err, "the target cluster is out of disk space: %s", pgErr.Message)
		}
		return userErrorf(err, "the target cluster refused the restore: %s", pgErr.Message)
	}
	return err
}

func isUndefinedDatabase(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "3D000"
}

// isConnLost reports whether err means the connection to the server broke
// (server restart, network, session terminated), as opposed to an error the
// server answered with.
func isConnLost(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "conn closed")
}

// readError is an error from reading a backup file (storage, checksum,
// decryption), as opposed to one from the database it is copied into.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// backupReader reads a backup file for COPY. It keeps the first error
// other than io.EOF, because pgconn's CopyFrom turns a reader's error into
// a COPY failure whose message is PostgreSQL's, and the restore must report
// the original (a checksum mismatch naming the file). Reads and Close are
// serialized: CopyFrom reads in a goroutine of its own that can still be
// in a Read when CopyFrom returns early (a broken connection).
type backupReader struct {
	mu     sync.Mutex
	r      io.ReadCloser
	err    error
	closed bool
}

var errReaderClosed = errors.New("backup file closed")

func (b *backupReader) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errReaderClosed
	}
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		if b.err == nil {
			b.err = err
		}
		return n, &readError{err}
	}
	return n, err
}

func (b *backupReader) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	return b.r.Close()
}

// readErr is the first error reading the file returned.
func (b *backupReader) readErr() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// backupFileError is the user error for a backup file that cannot be read:
// it names the file (a checksum mismatch says so itself).
func backupFileError(err error, layer, name string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var ce *collection.ChecksumError
	if errors.As(err, &ce) {
		return userErrorf(&readError{err}, "%s (its stored bytes changed since the backup: restore another backup)", ce)
	}
	return userErrorf(&readError{err}, "cannot read backup file %s/%s: %s", layer, name, storageMessage(err))
}

// loadError is the user error for a data file PostgreSQL refused.
func loadError(err error, table, layer, name string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && !isConnLost(err) {
		msg := pgErr.Message
		if pgErr.Where != "" {
			msg += " (" + pgErr.Where + ")"
		}
		return userErrorf(err, "loading table %s from backup file %s/%s failed: %s", table, layer, name, msg)
	}
	if isConnLost(err) {
		return targetError(err)
	}
	return fmt.Errorf("load %s from %s: %w", table, name, err)
}
