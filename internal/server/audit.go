package server

import (
	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
)

// event is what a handler says happened; record adds who, from where and when.
type event struct {
	Action     string
	TargetType string
	TargetID   string
	Params     map[string]any
	// Actor names the subject when nobody is logged in yet (a failed login).
	Actor string
}

// record appends an audit entry for this request. A failed append is logged
// loudly; the action it describes has already happened and cannot be undone.
//
// Refusals of requests nobody is logged in for go through s.refusals, which
// summarizes a client's refusals past the first few a minute, so that
// anyone who can reach the console cannot grow the log without bound.
// Refusals of logged-in callers are all recorded: they name who did it,
// and disabling the account stops them.
func (s *Server) record(c echo.Context, ev event, outcome, message string) {
	e := actorOf(c, ev.Actor)
	e.Action, e.TargetType, e.TargetID, e.Params = ev.Action, ev.TargetType, ev.TargetID, ev.Params
	e.Outcome, e.Message = outcome, message
	var err error
	if outcome == audit.OutcomeDenied && identityOf(c) == nil {
		_, err = s.refusals.Append(c.Request().Context(), e)
	} else {
		_, err = s.audit.Append(c.Request().Context(), e)
	}
	if err != nil {
		s.log.Error("audit entry not written", "error", err, "action", ev.Action, "request_id", e.RequestID)
	}
}

// actorOf is who makes the request, as audit entries name them: actor
// (the logged-in user, else fallback, else "anonymous"), role, source,
// client address and request id.
func actorOf(c echo.Context, fallback string) audit.Entry {
	e := audit.Entry{Actor: fallback, Source: audit.SourceUI, ClientAddr: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if isAPI(c) {
		e.Source = audit.SourceAPI
	}
	if id := identityOf(c); id != nil {
		e.Actor, e.Role, e.Source = id.Name, string(id.Role), id.Source
	}
	if e.Actor == "" {
		e.Actor = "anonymous"
	}
	return e
}

// recordResult records ok when err is nil, else an error with the
// user-facing message.
func (s *Server) recordResult(c echo.Context, ev event, err error) {
	if err == nil {
		s.record(c, ev, audit.OutcomeOK, "")
		return
	}
	msg, ok := userMessage(err)
	if !ok {
		msg = "internal error; see the console log"
	}
	s.record(c, ev, audit.OutcomeError, msg)
}
