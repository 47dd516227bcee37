// Package operations turns backup and restore requests into jobs and runs those jobs with the engine.
package operations
