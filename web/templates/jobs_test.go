package templates

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stratabackup/strata/internal/jobs"
)

func TestJobStatuses(t *testing.T) {
	// The jobs list filters on every status, in a job's life order.
	want := []string{"pending", "running", "pause-requested", "paused", "cancel-requested", "reverting", "succeeded", "failed", "canceled"}
	if !reflect.DeepEqual(jobStatuses, want) {
		t.Errorf("jobStatuses = %v, want %v", jobStatuses, want)
	}
	if want := []string{"backup", "restore"}; !reflect.DeepEqual(jobTypes, want) {
		t.Errorf("jobTypes = %v, want %v", jobTypes, want)
	}

	for _, tc := range []struct {
		status                          jobs.Status
		class                           string
		pause, resume, cancel, terminal bool
	}{
		{jobs.StatusPending, "status-paused", true, false, true, false},
		{jobs.StatusRunning, "status-running", true, false, true, false},
		{jobs.StatusPauseRequested, "status-paused", false, false, true, false},
		{jobs.StatusPaused, "status-paused", false, true, true, false},
		{jobs.StatusCancelRequested, "status-paused", false, false, false, false},
		{jobs.StatusReverting, "status-paused", false, false, false, false},
		{jobs.StatusSucceeded, "status-succeeded", false, false, false, true},
		{jobs.StatusFailed, "status-failed", false, false, false, true},
		{jobs.StatusCanceled, "status-canceled", false, false, false, true},
	} {
		j := jobs.Job{Status: tc.status, Phase: "copying data"}
		if got := statusClass(tc.status); got != tc.class {
			t.Errorf("statusClass(%s) = %q, want %q", tc.status, got, tc.class)
		}
		if got := pausable(j); got != tc.pause {
			t.Errorf("pausable(%s) = %v, want %v", tc.status, got, tc.pause)
		}
		if got := resumable(j); got != tc.resume {
			t.Errorf("resumable(%s) = %v, want %v", tc.status, got, tc.resume)
		}
		if got := cancelable(j); got != tc.cancel {
			t.Errorf("cancelable(%s) = %v, want %v", tc.status, got, tc.cancel)
		}
		wantPhase := "copying data"
		if tc.terminal {
			wantPhase = ""
		}
		if got := livePhase(j); got != wantPhase {
			t.Errorf("livePhase(%s) = %q, want %q", tc.status, got, wantPhase)
		}
	}
}

func TestJobDuration(t *testing.T) {
	start, end, now := at(8, 0, 0, 0), at(8, 1, 30, 400), at(9, 0, 0, 0)
	for _, tc := range []struct {
		name string
		j    jobs.Job
		want string
	}{
		{"not started", jobs.Job{}, "—"},
		{"running", jobs.Job{StartedAt: &start}, "1h0m0s"},
		{"finished", jobs.Job{StartedAt: &start, FinishedAt: &end}, "1m30s"},
	} {
		if got := jobDuration(tc.j, now); got != tc.want {
			t.Errorf("%s: jobDuration = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestJobResult(t *testing.T) {
	result := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name     string
		result   json.RawMessage
		note     string
		warnings []string
	}{
		{"no result", nil, "", nil},
		{"not JSON", json.RawMessage("oops"), "", nil},
		{"a note", result(map[string]any{"note": "3 tables were empty"}), "3 tables were empty", nil},
		{"full instead of incremental", result(map[string]any{"note": "ignored", "full_reason": "the chain is broken"}),
			"Taken as a full backup instead of an incremental: the chain is broken", nil},
		{"warnings", result(map[string]any{"warnings": []string{"a", "b"}}), "", []string{"a", "b"}},
		{"other fields", result(map[string]any{"rows": 5}), "", nil},
	} {
		j := jobs.Job{Result: tc.result}
		if got := jobNote(j); got != tc.note {
			t.Errorf("%s: jobNote = %q, want %q", tc.name, got, tc.note)
		}
		if got := jobWarnings(j); !reflect.DeepEqual(got, tc.warnings) {
			t.Errorf("%s: jobWarnings = %q, want %q", tc.name, got, tc.warnings)
		}
	}
}
