// Package audit keeps the console's append-only, hash-chained audit log.
package audit
