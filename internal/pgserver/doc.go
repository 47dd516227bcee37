// Package pgserver runs a local PostgreSQL server from Debian's packages in a folder, for the demo and for tests.
package pgserver
