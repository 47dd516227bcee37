// Package clusters is the application layer's door to clusters: registering them with their managed backups, what is on them, and removing them with what Strata left there.
package clusters
