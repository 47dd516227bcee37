// Command consolebench fills a console at scale (layers in a collection, jobs, schedules) through the real code paths and times every page and list of the console, served over loopback, against the targets of issue 13:
//
//	go run ./bench/consolebench -layers 10000 -jobs 100000 -schedules 50
package main
