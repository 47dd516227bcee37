package engine

import (
	"bytes"
	"io"
)

// readLength reads the n bytes a length prefix in a stored file announced.
// Memory grows with the bytes that actually arrive, not with n: a corrupt
// or hostile length cannot make the restore allocate a gigabyte before
// finding the file is short.
func readLength(r io.Reader, n int64) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(n, 64<<10)))
	got, err := io.CopyN(&b, r, n)
	if got < n && err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return b.Bytes(), err
}
