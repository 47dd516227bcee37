package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/usererror"
	"github.com/stratabackup/strata/web/templates"
)

const jobsPageSize = 50

// jobsQuery reads the jobs filters and cursor from the URL.
func jobsQuery(c echo.Context) (jobs.Filter, url.Values, int64, error) {
	q := url.Values{}
	for _, k := range []string{"status", "type", "cluster", "schedule_id", "before"} {
		if v := c.QueryParam(k); v != "" {
			q.Set(k, v)
		}
	}
	f := jobs.Filter{Status: jobs.Status(q.Get("status")), Type: q.Get("type"), Cluster: q.Get("cluster")}
	if f.Status != "" && !f.Status.Valid() {
		return f, q, 0, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("status must be one of %s", joinStatuses()))
	}
	if v := q.Get("schedule_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, q, 0, echo.NewHTTPError(http.StatusBadRequest, "schedule_id must be a schedule's id (a positive whole number)")
		}
		f.ScheduleID = id
	}
	var before int64
	if b := q.Get("before"); b != "" {
		var err error
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before < 0 {
			return f, q, 0, echo.NewHTTPError(http.StatusBadRequest, "before must be a job id (a positive whole number)")
		}
	}
	return f, q, before, nil
}

func (s *Server) jobsList(c echo.Context) error {
	f, q, before, err := jobsQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	list, next, err := s.app.Jobs.List(ctx, f, before, jobsPageSize)
	if err != nil {
		return err
	}
	clusters, err := s.clusterNames(c)
	if err != nil {
		return err
	}
	v := templates.JobsView{Jobs: list, Query: q, Next: next, Clusters: clusters, Now: time.Now()}
	return render(c, http.StatusOK, templates.JobsPage(s.pageFor(c, "Jobs", "jobs"), v))
}

func (s *Server) jobFromPath(c echo.Context) (jobs.Job, error) {
	id, err := idParam(c)
	if err != nil {
		return jobs.Job{}, err
	}
	j, err := s.app.Jobs.Get(c.Request().Context(), id)
	return j, notFoundIf(err, jobs.ErrNotFound)
}

func (s *Server) jobShow(c echo.Context) error {
	j, err := s.jobFromPath(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.JobPage(s.pageFor(c, fmt.Sprintf("Job %d", j.ID), "jobs"), j, time.Now()))
}

func (s *Server) jobProgress(c echo.Context) error {
	j, err := s.jobFromPath(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, templates.JobProgress(s.pageFor(c, "", "jobs"), j, time.Now()))
}

// jobControl pauses, resumes or cancels the job in the path.
func (s *Server) jobControl(c echo.Context, action string) (jobs.Job, error) {
	id, err := idParam(c)
	if err != nil {
		return jobs.Job{}, err
	}
	ctx := c.Request().Context()
	var j jobs.Job
	var done string
	switch action {
	case "pause":
		j, err = s.app.Jobs.Pause(ctx, id)
		done = audit.ActionJobPause
	case "resume":
		j, err = s.app.Jobs.Resume(ctx, id)
		done = audit.ActionJobResume
	case "cancel":
		j, err = s.app.Jobs.Cancel(ctx, id)
		done = audit.ActionJobCancel
	}
	if errors.Is(err, jobs.ErrNotFound) {
		return j, errNotFound
	}
	s.recordResult(c, event{Action: done, TargetType: "job", TargetID: strconv.FormatInt(id, 10)}, err)
	if err == nil {
		s.runner.Wake()
	}
	return j, err
}

func (s *Server) jobAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		j, err := s.jobControl(c, action)
		path := fmt.Sprintf("/jobs/%s", c.Param("id"))
		if msg, ok := usererror.Message(err); ok {
			return s.redirectWithFlash(c, path, "error", msg)
		}
		if err != nil {
			return err
		}
		return s.redirectWithFlash(c, path, "ok", jobActionDone(j))
	}
}

// jobActionDone says what a pause, resume or cancel did, in the job's new status.
func jobActionDone(j jobs.Job) string {
	switch j.Status {
	case jobs.StatusPauseRequested:
		return "Pause requested: the job stops at the end of the chunk it is on."
	case jobs.StatusPaused:
		return "Job paused. Resume continues where it stopped."
	case jobs.StatusCancelRequested, jobs.StatusReverting:
		return "Cancel requested: the job stops and removes its partial work."
	case jobs.StatusCanceled:
		return "Job canceled."
	}
	return "Job resumed."
}

func (s *Server) apiJobAction(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		j, err := s.jobControl(c, action)
		if msg, ok := usererror.Message(err); ok {
			return echo.NewHTTPError(http.StatusConflict, msg)
		}
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toAPIJob(j))
	}
}

type apiJob struct {
	ID                int64      `json:"id"`
	Type              string     `json:"type"`
	Status            string     `json:"status"`
	Cluster           string     `json:"cluster"`
	ScheduleID        int64      `json:"schedule_id,omitempty"`
	Description       string     `json:"description"`
	CreatedBy         string     `json:"created_by"`
	Phase             string     `json:"phase,omitempty"`
	FractionCompleted float64    `json:"fraction_completed"`
	BytesDone         int64      `json:"bytes_done"`
	BytesTotal        int64      `json:"bytes_total"`
	RowsDone          int64      `json:"rows_done"`
	RowsTotal         int64      `json:"rows_total"`
	Error             string     `json:"error"`
	Result            any        `json:"result,omitempty"`
	CreatedAt         time.Time  `json:"created_at"`
	StartedAt         *time.Time `json:"started_at"`
	FinishedAt        *time.Time `json:"finished_at"`
}

func toAPIJob(j jobs.Job) apiJob {
	a := apiJob{ID: j.ID, Type: j.Type, Status: string(j.Status), Cluster: j.Cluster, ScheduleID: j.ScheduleID, Description: j.Description,
		CreatedBy: j.CreatedBy, Phase: j.Phase, FractionCompleted: j.FractionCompleted, BytesDone: j.BytesDone,
		BytesTotal: j.BytesTotal, RowsDone: j.RowsDone, RowsTotal: j.RowsTotal, Error: j.Error,
		CreatedAt: j.CreatedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt}
	if len(j.Result) > 0 {
		a.Result = j.Result
	}
	return a
}

func (s *Server) apiJobsList(c echo.Context) error {
	f, _, before, err := jobsQuery(c)
	if err != nil {
		return err
	}
	list, next, err := s.app.Jobs.List(c.Request().Context(), f, before, 100)
	if err != nil {
		return err
	}
	out := make([]apiJob, 0, len(list))
	for _, j := range list {
		out = append(out, toAPIJob(j))
	}
	return c.JSON(http.StatusOK, map[string]any{"jobs": out, "next_before": next})
}

func (s *Server) apiJobShow(c echo.Context) error {
	j, err := s.jobFromPath(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIJob(j))
}

func joinStatuses() string {
	names := make([]string, len(jobs.Statuses))
	for i, st := range jobs.Statuses {
		names[i] = string(st)
	}
	return strings.Join(names, ", ")
}
