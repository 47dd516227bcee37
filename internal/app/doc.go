// Package app wires the application layer's doors (one per noun) to the domain and the state store, once for the console and for tests.
package app
