// Package status is the home page's read model: how every cluster's backups stand, read in one call.
package status
