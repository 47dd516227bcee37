// Package collection reads and writes Strata's self-describing backup format on a storage location.
package collection
