package templates

import (
	"testing"

	"github.com/stratabackup/strata/internal/alerts"
)

func TestDeliveries(t *testing.T) {
	next := at(9, 0, 0, 0)
	for _, tc := range []struct {
		name         string
		d            alerts.Delivery
		words, class string
		next         string
	}{
		{"new", alerts.Delivery{Status: alerts.StatusPending, NextAttemptAt: next}, "pending", "status-pending", "2026-03-14 09:00:00 UTC"},
		{"retrying", alerts.Delivery{Status: alerts.StatusPending, Attempts: 2, NextAttemptAt: next}, "retrying", "status-pending", "2026-03-14 09:00:00 UTC"},
		{"delivered", alerts.Delivery{Status: alerts.StatusDelivered, Attempts: 1}, "delivered", "status-succeeded", "—"},
		{"given up", alerts.Delivery{Status: alerts.StatusFailed, Attempts: 8}, "gave up", "status-failed", "—"},
	} {
		words, class := deliveryStatus(tc.d)
		if words != tc.words || class != tc.class {
			t.Errorf("%s: deliveryStatus = %q, %q; want %q, %q", tc.name, words, class, tc.words, tc.class)
		}
		if got := deliveryNext(tc.d); got != tc.next {
			t.Errorf("%s: deliveryNext = %q, want %q", tc.name, got, tc.next)
		}
	}

	for event, want := range map[string]string{
		alerts.EventJobFailed: "Job failed",
		alerts.EventOverdue:   "Overdue",
		alerts.EventTest:      "Test",
	} {
		if got := deliveryEvent(event); got != want {
			t.Errorf("deliveryEvent(%q) = %q, want %q", event, got, want)
		}
	}

	done := alerts.Delivery{Status: alerts.StatusDelivered}
	pending := alerts.Delivery{Status: alerts.StatusPending}
	if (DeliveriesView{Deliveries: []alerts.Delivery{done}}).pending() {
		t.Error("pending with every alert delivered")
	}
	if !(DeliveriesView{Deliveries: []alerts.Delivery{done, pending}}).pending() {
		t.Error("not pending with an alert to send")
	}
}

func TestPayloadText(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{`{"event":"overdue","jobs":[1,2]}`, "{\n  \"event\": \"overdue\",\n  \"jobs\": [\n    1,\n    2\n  ]\n}"},
		{`not json`, "not json"},
		{``, ""},
	} {
		if got := payloadText([]byte(tc.in)); got != tc.want {
			t.Errorf("payloadText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
