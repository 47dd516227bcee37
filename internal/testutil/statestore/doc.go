// Package statestore opens the console's state store for a test.
//
// It is apart from package testutil so that tests which never touch the
// state store (the engine's, storage's) do not build SQLite and goose.
package statestore
