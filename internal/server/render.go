package server

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/web/templates"
)

const flashCookie = "strata_flash"

// render writes a templ component as the response.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// pageFor builds what the layout needs for this request, taking any flash
// message waiting in its cookie.
func (s *Server) pageFor(c echo.Context, title, nav string) templates.Page {
	p := templates.Page{Title: title, Nav: nav}
	if token, ok := c.Get(csrfKey).(string); ok {
		p.CSRF = token
	}
	if id := identityOf(c); id != nil {
		p.Viewer = &templates.Viewer{Name: id.Name, Role: string(id.Role), IsAdmin: id.Role == auth.RoleAdmin}
	}
	if ck, err := c.Cookie(flashCookie); err == nil {
		var f templates.Flash
		if s.flash.Decode(flashCookie, ck.Value, &f) == nil {
			p.Flash = append(p.Flash, f)
		}
		c.SetCookie(&http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	return p
}

// redirectWithFlash sends the browser to path with a message for the next page.
func (s *Server) redirectWithFlash(c echo.Context, path, kind, text string) error {
	if v, err := s.flash.Encode(flashCookie, templates.Flash{Kind: kind, Text: text}); err == nil {
		c.SetCookie(&http.Cookie{Name: flashCookie, Value: v, Path: "/", MaxAge: 60, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// handleError turns every error into a page (or JSON on the API) written for
// users; internal detail goes only to the log, with the request id to find it.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	message := ""
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if m, ok := he.Message.(string); ok {
			message = m
		}
	}
	requestID := c.Response().Header().Get(echo.HeaderXRequestID)
	if code >= 500 {
		s.log.Error("request failed", "error", err, "path", c.Request().URL.Path, "request_id", requestID)
		message = "Something went wrong on our side. It was logged with request id " + requestID + "."
	}
	title := http.StatusText(code)
	switch code {
	case http.StatusNotFound:
		message = "There is nothing at this address. It may have been removed, or the link is wrong."
	case http.StatusMethodNotAllowed:
		message = "This address does not accept that kind of request."
	}
	if message == "" {
		message = title
	}
	if isAPI(c) {
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(code)
		} else {
			err = c.JSON(code, map[string]string{"error": message})
		}
	} else {
		err = render(c, code, templates.ErrorPage(s.pageFor(c, title, ""), code, title, message))
	}
	if err != nil {
		s.log.Error("writing error response", "error", err, "request_id", requestID)
	}
}

// localPath returns next when it is a path on this site, else "/"; it keeps
// the login redirect from sending users to another site.
func localPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || next[0] != '/' || len(next) > 1 && (next[1] == '/' || next[1] == '\\') || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
