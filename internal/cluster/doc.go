// Package cluster talks to registered clusters through one interface, whatever their kind.
//
// The drivers live in this package rather than in sub-packages: [Open] has
// to know every kind, and a driver here only inspects a cluster (the
// PostgreSQL engine has its own code for backups and restores), so each is
// a file or two.
package cluster
