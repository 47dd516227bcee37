// Package expiry removes the backup chains retention policies expire, and the managed backups of removed clusters once kept long enough.
package expiry
