// Package minio starts a throwaway MinIO server for tests of S3 storage.
//
// MinIO is AGPL-licensed: it only ever runs as a separate process, and no
// MinIO code is imported.
package minio
