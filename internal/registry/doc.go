// Package registry keeps the console's registered clusters and collections, with their secrets encrypted at rest.
//
// Secrets (cluster passwords, storage credentials) are sealed with
// internal/secrets under a context naming the row ("cluster:7:password"),
// so a sealed value copied to another row does not open there. A row's id
// is only known after its insert, so the [Store] asks for the secret sealed
// for that id and stores it in the same transaction. No returned value, error or
// String method holds a secret: only [Registry.ConnString] and
// [Registry.Location] hand them out, for connecting.
package registry
