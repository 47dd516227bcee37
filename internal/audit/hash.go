package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
)

// Hash versions: how an entry's hash is made from its canonical encoding.
const (
	// HashSHA256 is the SHA-256 of the encoding: entries written before
	// the chain was keyed. Anyone can recompute it.
	HashSHA256 = 1
	// HashHMAC is the HMAC-SHA256 of the encoding with the log's Key. Every
	// entry is appended so; once one is, every later one must be too.
	HashHMAC = 2
)

// zeroHash is the prev_hash of the first entry.
var zeroHash = strings.Repeat("0", 64)

// TimeLayout is how an entry's time is written, as stored and as its hash
// covers it: RFC 3339 in UTC with nine fractional digits. The width is
// fixed, so times sort and compare correctly as text.
const TimeLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Row is an entry as stored: every column as its stored text, which is
// exactly what the hash covers, and how the hash is made.
type Row struct {
	ID                                      int64
	Time, Actor, Role, Source, Action       string
	TargetType, TargetID, Params            string
	Outcome, Message, ClientAddr, RequestID string
	PrevHash, Hash                          string
	HashVersion                             int64
}

// hasher computes entries' hashes reusing its buffers; one per goroutine.
type hasher struct {
	mac hash.Hash // HMAC-SHA256 with the log's key
	buf []byte    // canonical encoding
	sum []byte
}

func newHasher(k Key) *hasher { return &hasher{mac: k.newMAC()} }

// hash returns r's hash made as its hashVersion says (lowercase hex), or ""
// for a version there is none of.
func (h *hasher) hash(r *Row) string {
	switch r.HashVersion {
	case HashSHA256:
		return h.plain(r)
	case HashHMAC:
		h.buf = appendCanonical(h.buf[:0], r)
		h.mac.Reset()
		h.mac.Write(h.buf)
		h.sum = h.mac.Sum(h.sum[:0])
		return hex.EncodeToString(h.sum)
	}
	return ""
}

// plain returns the SHA-256 of r's canonical encoding (HashSHA256), whatever
// r's version.
func (h *hasher) plain(r *Row) string {
	h.buf = appendCanonical(h.buf[:0], r)
	sum := sha256.Sum256(h.buf)
	return hex.EncodeToString(sum[:])
}

// appendCanonical appends the canonical encoding of r, which the hash covers
// (hash versions 1 and 2 alike; the version is not in it, since it decides
// how the hash is made). It is a JSON object without whitespace, with the
// keys in this order:
//
//	{"id":42,"time":"2026-01-02T03:04:05.000000000Z","actor":"…","role":"…",
//	 "source":"…","action":"…","target_type":"…","target_id":"…",
//	 "params":"…","outcome":"…","message":"…","client_addr":"…",
//	 "request_id":"…","prev_hash":"…"}
//
// id is a decimal integer. Every other value is a JSON string holding the
// column's stored text byte for byte: time in TimeLayout, params as its stored
// JSON text (json.Marshal output: sorted keys, compact). In strings only '"'
// and '\' are escaped with a backslash, \n, \r and \t as such, other bytes
// below 0x20 as \u00xx (lowercase hex); all other bytes are copied as they are.
// Every value being a string or a number keeps the encoding unambiguous.
func appendCanonical(b []byte, r *Row) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = appendField(b, "time", r.Time)
	b = appendField(b, "actor", r.Actor)
	b = appendField(b, "role", r.Role)
	b = appendField(b, "source", r.Source)
	b = appendField(b, "action", r.Action)
	b = appendField(b, "target_type", r.TargetType)
	b = appendField(b, "target_id", r.TargetID)
	b = appendField(b, "params", r.Params)
	b = appendField(b, "outcome", r.Outcome)
	b = appendField(b, "message", r.Message)
	b = appendField(b, "client_addr", r.ClientAddr)
	b = appendField(b, "request_id", r.RequestID)
	b = appendField(b, "prev_hash", r.PrevHash)
	return append(b, '}')
}

func appendField(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	plain := 0 // s[plain:i] needs no escaping
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[plain:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		plain = i + 1
	}
	b = append(b, s[plain:]...)
	return append(b, '"')
}
