// Package jobs runs backups, restores and validations as durable jobs with leases, checkpoints, pause, resume and cancel.
package jobs
