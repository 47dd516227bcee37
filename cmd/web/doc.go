// Command strata is the Strata backup console: the web server and its admin commands.
package main
