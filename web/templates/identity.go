package templates

// IdentityView is the cluster page's "Point-in-time coverage" section: the
// tables of each database that have no replica identity, which every
// incremental copies whole.
type IdentityView struct {
	Cluster   string
	Databases []IdentityDatabase // databases with such tables, or whose tables could not be read
	Covered   []string           // databases whose every table has a replica identity
	Error     string             // why the cluster's databases could not be listed
}

// IdentityDatabase is one database's tables without a replica identity.
type IdentityDatabase struct {
	Name   string
	Tables []string // "schema.table"
	Error  string   // why its tables could not be read
}

// Complete reports whether every table of every database read has a
// replica identity.
func (v IdentityView) Complete() bool { return v.Error == "" && len(v.Databases) == 0 }

// identityConfirm asks an admin before setting REPLICA IDENTITY FULL on
// tables of database db.
func identityConfirm(db string) string {
	return "Set REPLICA IDENTITY FULL on the chosen tables of database " + db +
		"? Every UPDATE and DELETE on them will then write the whole old row to the WAL."
}
