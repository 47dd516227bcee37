package templates

import (
	"encoding/json"

	"github.com/stratabackup/strata/internal/jobs"
)

// jobNote is what a finished job's result asks the reader to notice: a
// "note" it wrote, or why a backup asked as an incremental was taken as a
// full backup ("full_reason").
func jobNote(j jobs.Job) string {
	var r struct {
		Note       string `json:"note"`
		FullReason string `json:"full_reason"`
	}
	if len(j.Result) == 0 || json.Unmarshal(j.Result, &r) != nil {
		return ""
	}
	if r.FullReason != "" {
		return "Taken as a full backup instead of an incremental: " + r.FullReason
	}
	return r.Note
}

// jobWarnings are what a finished job's result says it could not do as
// asked: a backup's or a restore's "warnings".
func jobWarnings(j jobs.Job) []string {
	var r struct {
		Warnings []string `json:"warnings"`
	}
	if len(j.Result) == 0 || json.Unmarshal(j.Result, &r) != nil {
		return nil
	}
	return r.Warnings
}
