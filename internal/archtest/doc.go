// Package archtest checks the rules of the code's shape: imports between Strata's layers, and package docs.
package archtest
