// Package demo runs the demo PostgreSQL cluster, with a sample shop database, under the console's data dir.
package demo
