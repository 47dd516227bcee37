// Package secrets encrypts values kept at rest in the state store (passwords, storage keys) with a key from the data dir.
package secrets
