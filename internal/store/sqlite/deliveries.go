package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/stratabackup/strata/internal/alerts"
)

// Deliveries keeps the webhook deliveries of alerts in the state store.
type Deliveries struct{ db *sql.DB }

// NewDeliveries returns the deliveries of the state store db.
func NewDeliveries(db *sql.DB) *Deliveries { return &Deliveries{db: db} }

var _ alerts.Store = (*Deliveries)(nil)

const deliveryColumns = `id, schedule_id, event, payload, status, attempts, next_attempt_at, last_attempt_at,
	last_status_code, last_error, created_at, delivered_at`

// Queue implements [alerts.Store]. The unique index on an overdue alert's
// schedule and since keeps a second one for a gap out.
func (s *Deliveries) Queue(ctx context.Context, d alerts.Delivery, since time.Time) (bool, error) {
	sinceText := ""
	if d.Event == alerts.EventOverdue {
		sinceText = Time(since)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO webhook_deliveries (schedule_id, event, payload, status, next_attempt_at, since, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		d.ScheduleID, d.Event, string(d.Payload), d.Status, Time(d.NextAttemptAt), sinceText, Time(d.CreatedAt))
	if err != nil {
		return false, fmt.Errorf("alerts: queue %s alert of schedule %d: %w", d.Event, d.ScheduleID, err)
	}
	rows, err := res.RowsAffected()
	return rows == 1, err
}

// Deliveries implements [alerts.Store].
func (s *Deliveries) Deliveries(ctx context.Context, scheduleID int64, limit int) ([]alerts.Delivery, error) {
	return s.query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE schedule_id = ? ORDER BY id DESC LIMIT ?`,
		scheduleID, limit)
}

// Due implements [alerts.Store].
func (s *Deliveries) Due(ctx context.Context, now time.Time, limit int) ([]alerts.Delivery, error) {
	return s.query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, alerts.StatusPending, Time(now), limit)
}

func (s *Deliveries) query(ctx context.Context, q string, args ...any) ([]alerts.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("alerts: list deliveries: %w", err)
	}
	defer rows.Close()
	var out []alerts.Delivery
	for rows.Next() {
		var d alerts.Delivery
		var payload string
		if err := rows.Scan(&d.ID, &d.ScheduleID, &d.Event, &payload, &d.Status, &d.Attempts,
			ScanOptionalTime(&d.NextAttemptAt), ScanOptionalTime(&d.LastAttemptAt),
			&d.LastStatusCode, &d.LastError, ScanTime(&d.CreatedAt), ScanOptionalTime(&d.DeliveredAt)); err != nil {
			return nil, err
		}
		d.Payload = []byte(payload)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Claim implements [alerts.Store].
func (s *Deliveries) Claim(ctx context.Context, d alerts.Delivery, now, until time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?, last_attempt_at = ?
		WHERE id = ? AND status = ? AND attempts = ? AND next_attempt_at = ?`,
		Time(until), Time(now), d.ID, alerts.StatusPending, d.Attempts, Time(d.NextAttemptAt))
	if err != nil {
		return false, err
	}
	claimed, _ := res.RowsAffected()
	return claimed == 1, nil
}

// Record implements [alerts.Store].
func (s *Deliveries) Record(ctx context.Context, d alerts.Delivery) error {
	_, err := s.db.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, last_status_code = ?,
		last_error = ?, delivered_at = ? WHERE id = ? AND status = ? AND attempts = ?`,
		d.Status, OptionalTime(d.NextAttemptAt), d.LastStatusCode, d.LastError, OptionalTime(d.DeliveredAt),
		d.ID, alerts.StatusPending, d.Attempts)
	return err
}
