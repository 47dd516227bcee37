// Package storage opens backup storage locations (local folders and S3-compatible buckets) as write-once blob stores.
//
// A location is written as a URI:
//
//	file:///var/backups/strata
//	s3://bucket/optional/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1&path_style=true
//
// s3:// options: endpoint (for S3-compatible servers; default AWS), region
// (default us-east-1), path_style (default true with an endpoint, false
// without; use_path_style is accepted too). Unknown options are refused.
//
// Each URI scheme is handled by a [Backend] registered with [Register]; the
// file and s3 backends are built in. Credentials never appear in a URI: they
// are passed to [Open] as [Credentials].
package storage
