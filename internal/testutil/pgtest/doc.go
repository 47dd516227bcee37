// Package pgtest starts a throwaway PostgreSQL server for a test.
package pgtest
