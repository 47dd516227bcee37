// Package archtest checks the import rules between Strata's layers.
package archtest
