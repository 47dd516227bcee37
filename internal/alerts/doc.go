// Package alerts sends schedules' webhook alerts (a job failed, no backup succeeded in time), retries them with backoff and keeps every delivery.
package alerts
