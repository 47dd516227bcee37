// Package store opens the console's embedded SQLite state store and applies its migrations.
package store
