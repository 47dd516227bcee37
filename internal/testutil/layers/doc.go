// Package layers commits small backup layers of any age into a collection, without PostgreSQL, for tests of what is done with backups.
package layers
