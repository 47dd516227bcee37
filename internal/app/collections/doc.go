// Package collections is the door to collections: register, list, read their backups and restore windows, set retention, remove chains.
package collections
