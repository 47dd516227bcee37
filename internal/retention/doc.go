// Package retention decides which backup chains retention policies expire.
package retention
