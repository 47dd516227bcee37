package collection

import "time"

// FormatVersion is the version of the collection format this code writes.
// Readers refuse manifests with a newer version.
const FormatVersion = 1

// Kind says whether a layer is a full backup or an incremental on one.
type Kind string

const (
	KindFull        Kind = "full"
	KindIncremental Kind = "incremental"
)

// Manifest describes one layer (a full backup or an incremental). It is the
// last file written for a layer: a layer without a manifest is incomplete and
// never shown as restorable.
type Manifest struct {
	FormatVersion int    `json:"format_version"`
	ID            string `json:"id"`             // unique id of this layer
	Kind          Kind   `json:"kind"`           // full or incremental
	Path          string `json:"path"`           // the layer's folder in the collection, e.g. "2026/11/23-193700.12"
	Chain         string `json:"chain"`          // path of the full backup this layer belongs to (its own path for a full)
	Parent        string `json:"parent"`         // path of the previous layer; empty for a full
	Engine        string `json:"engine"`         // "postgres"
	Cluster       string `json:"cluster"`        // cluster name when the backup was taken
	SystemID      string `json:"system_id"`      // PostgreSQL system identifier of the source
	ServerVersion string `json:"server_version"` // e.g. "15.18"
	Database      string `json:"database"`
	Encoding      string `json:"encoding"`
	Collate       string `json:"collate"`
	Ctype         string `json:"ctype"`

	// The layer covers changes in (StartTime, EndTime]; a full backup has a
	// zero StartTime. EndTime is the commit time of the consistent point.
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
	StartLSN  string    `json:"start_lsn"`
	EndLSN    string    `json:"end_lsn"`

	// SnapshotMethod is "replication-slot" (incrementals can follow from Slot)
	// or "exported-snapshot" (wal_level below logical; full backups only).
	SnapshotMethod  string `json:"snapshot_method"`
	Slot            string `json:"slot,omitempty"`
	Publication     string `json:"publication,omitempty"`
	RevisionHistory bool   `json:"revision_history"`

	// FullReason says why an incremental was asked for but a full backup
	// was taken (the chain was broken).
	FullReason string `json:"full_reason,omitempty"`
	// Changes counts an incremental's captured row changes.
	Changes int64 `json:"changes,omitempty"`
	// KeepDays is the retention the backup was taken with (managed
	// backups): it expires that many days after EndTime. 0: the retention
	// policies of its collection and schedules decide.
	KeepDays int `json:"keep_days,omitempty"`

	// Scope: the whole database, or only Tables when Partial is set.
	Partial bool `json:"partial"`

	Schema    Schema     `json:"schema"`
	Tables    []Table    `json:"tables"`
	Sequences []Sequence `json:"sequences"`
	// LargeObjects are the database's large objects at the layer's end,
	// stored whole in every layer (logical decoding does not carry them);
	// nil when the database had none, or for a backup of chosen tables.
	LargeObjects *LargeObjects `json:"large_objects,omitempty"`
	// Warnings say what the backup could not carry as it is, in words
	// for its users: a restore repeats the ones that apply to it.
	Warnings []string `json:"warnings,omitempty"`

	CreatedBy  string    `json:"created_by"` // user or schedule that started the backup
	StartedAt  time.Time `json:"started_at"` // wall-clock start and end of the job
	FinishedAt time.Time `json:"finished_at"`
}

// Schema holds the layer's schema: a pg_dump custom-format archive taken
// with --schema-only under the backup's snapshot. pg_restore reads its
// sections (pre-data before the data, post-data after) and, with -L, the
// subset a table restore needs.
type Schema struct {
	Archive FileInfo `json:"archive"`
	Roles   []Role   `json:"roles"` // roles the schema names (owners, grantees), created when missing on restore
	// Unpopulated are the materialized views the source had not filled
	// (created WITH NO DATA): a restore leaves them so.
	Unpopulated []string `json:"unpopulated_matviews,omitempty"`
}

// LargeObjects is a layer's copy of the database's large objects: a
// pg_dump custom-format archive of them alone (their OIDs, contents,
// owners, grants and comments), taken under the layer's snapshot.
type LargeObjects struct {
	Archive FileInfo `json:"archive"`
	Count   int64    `json:"count"`
}

// Role is a role the schema refers to, with the attributes needed to
// recreate it (never a password).
type Role struct {
	Name       string `json:"name"`
	CanLogin   bool   `json:"can_login"`
	Superuser  bool   `json:"superuser,omitempty"`
	CreateDB   bool   `json:"create_db,omitempty"`
	CreateRole bool   `json:"create_role,omitempty"`
}

// Table is one table's data in a layer.
type Table struct {
	OID     uint32   `json:"oid"`
	Schema  string   `json:"schema"`
	Name    string   `json:"name"`
	Columns []string `json:"columns"`          // COPY column list, in order; generated columns excluded
	Format  string   `json:"format,omitempty"` // data files' COPY format: "" text, "binary" PostgreSQL's binary COPY
	Types   []string `json:"types,omitempty"`  // format_type of each column, to detect schema changes between layers
	Key     []string `json:"key,omitempty"`    // unique key (replica identity index or primary key); rows of changes are matched by it
	// Captured: the chain's publication carries the table's changes after
	// this layer, so the next layer holds its changes rather than a whole copy.
	Captured bool `json:"captured,omitempty"`
	// Whole: in an incremental, Files hold the whole table at the layer's
	// end (its changes were not captured: no replica identity, or new).
	Whole    bool       `json:"whole,omitempty"`
	Changes  []FileInfo `json:"changes,omitempty"` // an incremental's change files, in order
	Parent   string     `json:"parent,omitempty"`  // "schema.name" of the partitioned parent, for a partition
	Unlogged bool       `json:"unlogged,omitempty"`
	// ExtensionConfig: an extension's configuration table, created by
	// CREATE EXTENSION; Files hold the rows the extension marked as user data.
	ExtensionConfig bool `json:"extension_config,omitempty"`
	// LoadVia is the schema and name of the partitioned table a restore
	// loads the partition's rows through (hash partitioning on a type whose
	// hash differs on the target); empty: the partition itself.
	LoadVia     []string   `json:"load_via,omitempty"`
	Rows        int64      `json:"rows"`
	RawBytes    int64      `json:"raw_bytes"`    // COPY output bytes, before compression
	StoredBytes int64      `json:"stored_bytes"` // bytes in storage after compression
	Files       []FileInfo `json:"files"`
}

// QualifiedName is "schema.name" exactly as stored (case and spaces kept,
// no quoting), the form users and the API name tables by.
func (t Table) QualifiedName() string { return t.Schema + "." + t.Name }

// Sequence is a sequence's state at the layer's end.
type Sequence struct {
	Schema    string `json:"schema"`
	Name      string `json:"name"`
	LastValue int64  `json:"last_value"`
	IsCalled  bool   `json:"is_called"`
}

// FileInfo is one stored file of a layer.
type FileInfo struct {
	Name    string `json:"name"`     // path relative to the layer folder, e.g. "data/16384/0001.copy.zst"
	Size    int64  `json:"size"`     // stored bytes
	RawSize int64  `json:"raw_size"` // bytes before compression
	Rows    int64  `json:"rows,omitempty"`
	SHA256  string `json:"sha256"` // hex SHA-256 of the stored bytes
}

// Summary is what the collection's index says of a layer: enough to list
// backups without reading any manifest.
type Summary struct {
	ID              string    `json:"id"`
	Kind            Kind      `json:"kind"`
	Path            string    `json:"path"`
	Chain           string    `json:"chain"`
	Cluster         string    `json:"cluster"`
	Database        string    `json:"database"`
	Partial         bool      `json:"partial"`
	StartTime       time.Time `json:"start_time"`
	EndTime         time.Time `json:"end_time"`
	RevisionHistory bool      `json:"revision_history"`
	Tables          int       `json:"tables"`
	Rows            int64     `json:"rows"`
	RawBytes        int64     `json:"raw_bytes"`
	StoredBytes     int64     `json:"stored_bytes"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	CreatedBy       string    `json:"created_by"`
	KeepDays        int       `json:"keep_days,omitempty"`
	LargeObjects    int64     `json:"large_objects,omitempty"`
	Warnings        int       `json:"warnings,omitempty"`
}
