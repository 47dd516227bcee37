// Package scheduler starts the backups schedules ask for, once across consoles, and feeds each run's end back into its schedule.
package scheduler
