// Package sqlite is the console's state store in an embedded SQLite file: opening and migrating it, and all its SQL, one store type per noun.
package sqlite
