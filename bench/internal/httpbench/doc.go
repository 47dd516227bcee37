// Package httpbench times what the benchmarks under bench/ measure: it
// runs an operation (a call into a package, or a request to a console
// served over loopback) a number of times, keeps p50, p95, max and the
// bytes received, logs a browser-like client in, and times requests on
// the server's side.
package httpbench
