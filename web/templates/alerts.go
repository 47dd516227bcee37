package templates

import (
	"bytes"
	"encoding/json"

	"github.com/stratabackup/strata/internal/alerts"
)

// DeliveriesView is a schedule's webhook alerts, newest first.
type DeliveriesView struct {
	ScheduleID  int64
	WebhookHost string // what may be shown of the webhook; "" = none
	Deliveries  []alerts.Delivery
	Notice      string // what the last action did
	Error       string // why it did not
}

// pending reports whether an alert is still to be sent, so the fragment
// keeps refreshing itself.
func (v DeliveriesView) pending() bool {
	for _, d := range v.Deliveries {
		if d.Status == alerts.StatusPending {
			return true
		}
	}
	return false
}

// deliveryEvent names what an alert is about.
func deliveryEvent(event string) string {
	switch event {
	case alerts.EventJobFailed:
		return "Job failed"
	case alerts.EventOverdue:
		return "Overdue"
	}
	return "Test"
}

// deliveryStatus is where an alert stands, in words, and its badge class.
func deliveryStatus(d alerts.Delivery) (string, string) {
	switch {
	case d.Status == alerts.StatusDelivered:
		return "delivered", "status-succeeded"
	case d.Status == alerts.StatusFailed:
		return "gave up", "status-failed"
	case d.Attempts > 0:
		return "retrying", "status-pending"
	}
	return "pending", "status-pending"
}

// payloadText is a delivery's payload, indented for reading.
func payloadText(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "", "  ") != nil {
		return string(b)
	}
	return out.String()
}

// deliveryNext is when a pending alert is sent next.
func deliveryNext(d alerts.Delivery) string {
	if d.Status != alerts.StatusPending {
		return "—"
	}
	return UTC(d.NextAttemptAt)
}
