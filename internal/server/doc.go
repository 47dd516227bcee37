// Package server serves the console's pages and JSON API over Echo.
package server
