// Package schedules is the door to backup schedules: it checks, stores, edits and describes them, and keeps every cluster's managed schedule.
package schedules
