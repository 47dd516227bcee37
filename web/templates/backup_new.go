package templates

// BackupForm is the "Back up now" form.
type BackupForm struct {
	Clusters        []string
	Collections     []string
	Databases       []string // of the chosen cluster, when it could be reached
	Cluster         string
	Database        string
	Collection      string
	Tables          string // one "schema.table" per line; empty for the whole database
	Incremental     bool   // add a layer to the newest chain instead of a full backup
	RevisionHistory bool   // keep every change of the incremental with its commit time
	Error           string
}
