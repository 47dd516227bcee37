// Command auditbench fills an audit log with a realistic mix of entries and measures the queries behind the console's audit page, and the whole page served by the real console over loopback:
//
//	go run ./bench/auditbench -n 1000000
package main
