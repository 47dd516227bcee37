package audit

import "time"

// For the tests, which are in package audit_test so that they can use the
// SQLite store, which imports this package.

const (
	EntriesPerCheckpoint = entriesPerCheckpoint
	ExportPage           = exportPage
	KeySize              = keySize
	Redacted             = redacted
)

var (
	CSVHeader       = csvHeader
	ZeroHash        = zeroHash
	IsSecretKey     = isSecretKey
	Short           = short
	AppendCanonical = appendCanonical
)

// HashWith returns r's hash as a log keyed with k makes it.
func HashWith(k Key, r *Row) string { return newHasher(k).hash(r) }

// PlainHash returns the SHA-256 of r's canonical encoding, which no key
// goes into.
func PlainHash(r *Row) string {
	k, _ := NewKey(make([]byte, keySize))
	return newHasher(k).plain(r)
}

// SignedBy reports whether c carries a MAC made with k.
func SignedBy(c Checkpoint, k Key) bool { return c.signedBy(k) }

// AddAnchor makes l write checkpoints to a too.
func AddAnchor(l *Log, a Anchor) { l.anchors = append(l.anchors, a) }

// SetClock makes l take entry times from now.
func SetClock(l *Log, now func() time.Time) { l.now = now }

// CheckpointFilePath returns the path of f.
func CheckpointFilePath(f *CheckpointFile) string { return f.path }

// SetCheckpointFileLines makes f keep at most n lines.
func SetCheckpointFileLines(f *CheckpointFile, n int) { f.maxLines = n }

// TrackedClients returns how many clients r tracks.
func TrackedClients(r *Refusals) int { return len(r.clients) }
