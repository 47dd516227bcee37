// Package slothealth judges Strata's replication slots: a slot makes the server keep WAL until its chain's next backup reads past it, and one that keeps too much fills the server's disk or is invalidated.
package slothealth
