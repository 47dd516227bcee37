// Package schedule describes when scheduled backups run: recurrences given as presets or cron, in plain words, their next runs in UTC, and the full backup cadence that goes with them.
package schedule
