// Package apptest builds the application layer on a fresh state store, for the tests of its doors.
package apptest
