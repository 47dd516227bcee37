package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/app/backups"
	"github.com/stratabackup/strata/internal/app/restores"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
)

// apiError answers 400 with the message of a user error, and passes any
// other error on to the error handler (500, detail in the log).
func apiError(err error) error {
	if msg, ok := userMessage(err); ok {
		return echo.NewHTTPError(http.StatusBadRequest, msg)
	}
	return err
}

func bindJSON(c echo.Context, v any, example string) error {
	dec := json.NewDecoder(c.Request().Body)
	var raw json.RawMessage
	err := dec.Decode(&raw)
	var limit *echo.HTTPError // the body limit, hit by a chunked body
	switch {
	case errors.As(err, &limit):
		return echo.NewHTTPError(limit.Code, "the request body is larger than the "+bodyLimit+"B a request may send")
	case err == nil && raw[0] != '{': // null would decode as an empty object
		return echo.NewHTTPError(http.StatusBadRequest, "the request body must be a JSON object such as "+example)
	case err == nil:
		strict := json.NewDecoder(bytes.NewReader(raw))
		strict.DisallowUnknownFields()
		err = strict.Decode(v)
	}
	switch {
	case err != nil && strings.HasPrefix(err.Error(), "json: unknown field "):
		// A misspelled field would otherwise be ignored without a word.
		return echo.NewHTTPError(http.StatusBadRequest, "the request body has an "+strings.TrimPrefix(err.Error(), "json: ")+": see docs/api.md for the fields, such as "+example)
	case err != nil:
		return echo.NewHTTPError(http.StatusBadRequest, "the request body must be a JSON object such as "+example)
	}
	if _, err := dec.Token(); err != io.EOF {
		return echo.NewHTTPError(http.StatusBadRequest, "the request body must be one JSON object, with nothing after it, such as "+example)
	}
	return nil
}

type apiCluster struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	DSN       string    `json:"dsn"` // without the password
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPICluster(c registry.Cluster) apiCluster {
	return apiCluster{Name: c.Name, Kind: string(c.Kind), DSN: c.DSN, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt}
}

func (s *Server) apiClustersList(c echo.Context) error {
	list, err := s.app.Clusters.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]apiCluster, 0, len(list))
	for _, cl := range list {
		out = append(out, toAPICluster(cl))
	}
	return c.JSON(http.StatusOK, map[string]any{"clusters": out})
}

func (s *Server) apiClusterCreate(c echo.Context) error {
	var in struct{ Name, Kind, DSN, Password string }
	if err := bindJSON(c, &in, `{"name":"prod","kind":"postgres","dsn":"postgres://user:pass@host:5432/postgres"}`); err != nil {
		return err
	}
	if in.Kind == "" {
		in.Kind = "postgres"
	}
	cl, err := s.addCluster(c, in.Name, in.Kind, in.DSN, in.Password)
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusCreated, toAPICluster(cl))
}

type apiCollection struct {
	Name      string    `json:"name"`
	URI       string    `json:"uri"` // without credentials
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func toAPICollection(rc registry.Collection) apiCollection {
	return apiCollection{Name: rc.Name, URI: rc.URI, CreatedBy: rc.CreatedBy, CreatedAt: rc.CreatedAt}
}

func (s *Server) apiCollectionsList(c echo.Context) error {
	list, err := s.app.Collections.List(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]apiCollection, 0, len(list))
	for _, rc := range list {
		out = append(out, toAPICollection(rc))
	}
	return c.JSON(http.StatusOK, map[string]any{"collections": out})
}

func (s *Server) apiCollectionCreate(c echo.Context) error {
	var in struct {
		Name            string `json:"name"`
		URI             string `json:"uri"`
		AccessKeyID     string `json:"access_key_id"`
		SecretAccessKey string `json:"secret_access_key"`
	}
	if err := bindJSON(c, &in, `{"name":"offsite","uri":"s3://bucket/prefix?endpoint=…","access_key_id":"…","secret_access_key":"…"}`); err != nil {
		return err
	}
	rc, err := s.addCollection(c, in.Name, in.URI, storage.Credentials{AccessKeyID: in.AccessKeyID, SecretAccessKey: in.SecretAccessKey})
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusCreated, toAPICollection(rc))
}

func (s *Server) apiCollectionBackups(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	q, err := backupsQuery(c)
	if err != nil {
		return err
	}
	cc, err := s.app.Collections.Backups(c.Request().Context(), rc.Name, q)
	if err != nil {
		return apiError(err)
	}
	layers := make([]apiLayer, len(cc.Layers))
	for i, l := range cc.Layers {
		layers[i] = apiLayer{Summary: l, Type: l.Kind}
	}
	out := map[string]any{"backups": layers, "next_cursor": cc.Next}
	if len(cc.Damaged) > 0 {
		var entries []apiDamagedEntry
		for _, d := range cc.Damaged {
			entries = append(entries, apiDamagedEntry{Key: d.Key, Chain: d.Chain, Error: d.Err.Error()})
		}
		out["damaged"] = entries
	}
	return c.JSON(http.StatusOK, out)
}

// backupsQuery reads the page a listing of backups asks for: database,
// from and to (RFC 3339: the layers that end within), cursor, limit.
func backupsQuery(c echo.Context) (collection.PageQuery, error) {
	q := collection.PageQuery{Database: c.QueryParam("database"), Cursor: c.QueryParam("cursor")}
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > collection.MaxPageSize {
			return q, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("limit must be a whole number from 1 to %d", collection.MaxPageSize))
		}
		q.Limit = n
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		v := c.QueryParam(p.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return q, echo.NewHTTPError(http.StatusBadRequest, fmt.Sprintf("%s %q is not an RFC 3339 time: write it like 2026-11-23T14:05:00Z", p.name, v))
		}
		*p.t = t
	}
	return q, nil
}

// apiDamagedEntry is an index entry the collection could not use: the
// backup it lists is left out of "backups".
type apiDamagedEntry struct {
	Key   string `json:"key"`
	Chain string `json:"chain,omitempty"`
	Error string `json:"error"`
}

// apiLayer is a layer as the API lists it: the index summary, with its
// kind also under the name "type" (full or incremental).
type apiLayer struct {
	collection.Summary
	Type collection.Kind `json:"type"`
}

func (s *Server) apiBackupCreate(c echo.Context) error {
	var req backups.Request
	if err := bindJSON(c, &req, `{"cluster":"prod","database":"shop","collection":"local"}`); err != nil {
		return err
	}
	job, err := s.startBackup(c, req)
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusAccepted, map[string]int64{"job_id": job.ID})
}

func (s *Server) apiRestoreCreate(c echo.Context) error {
	var req restores.Request
	if err := bindJSON(c, &req, `{"cluster":"prod","collection":"local","backup":"LATEST","database":"shop","new_db_name":"shop_copy"}`); err != nil {
		return err
	}
	p, err := s.app.Restores.Plan(c.Request().Context(), req)
	job, err := s.startRestore(c, req, p, err)
	if err != nil {
		return apiError(err)
	}
	return c.JSON(http.StatusAccepted, map[string]int64{"job_id": job.ID})
}
