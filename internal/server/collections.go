package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/web/templates"
)

func (s *Server) collectionsList(c echo.Context) error {
	return s.renderCollections(c, http.StatusOK, templates.CollectionForm{})
}

func (s *Server) renderCollections(c echo.Context, status int, form templates.CollectionForm) error {
	list, err := s.app.Collections.List(c.Request().Context())
	if err != nil {
		return err
	}
	return render(c, status, templates.CollectionsPage(s.pageFor(c, "Collections", "collections"), list, form))
}

func (s *Server) collectionCreate(c echo.Context) error {
	name, uri := c.FormValue("name"), c.FormValue("uri")
	creds := storage.Credentials{AccessKeyID: c.FormValue("access_key_id"), SecretAccessKey: c.FormValue("secret_access_key")}
	rc, err := s.addCollection(c, name, uri, creds)
	if err != nil {
		if msg, ok := userMessage(err); ok {
			return s.renderCollections(c, http.StatusBadRequest, templates.CollectionForm{Name: name, URI: storage.Redact(uri), AccessKeyID: creds.AccessKeyID, Error: msg})
		}
		return err
	}
	return s.redirectWithFlash(c, "/collections/"+url.PathEscape(rc.Name), "ok", "Collection "+rc.Name+" added.")
}

// addCollection checks the location can be used and registers it; the audit
// entry names the redacted location, never a key.
func (s *Server) addCollection(c echo.Context, name, uri string, creds storage.Credentials) (registry.Collection, error) {
	rc, err := s.app.Collections.Add(c.Request().Context(), name, uri, creds, identityOf(c).Name)
	s.recordResult(c, event{Action: audit.ActionCollectionAdded, TargetType: "collection", TargetID: name, Params: map[string]any{"location": storage.Redact(uri)}}, err)
	return rc, err
}

func (s *Server) collectionFromPath(c echo.Context) (registry.Collection, error) {
	rc, err := s.app.Collections.Get(c.Request().Context(), c.Param("name"))
	return rc, notFoundIf(err, registry.ErrNotFound)
}

func (s *Server) collectionShow(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	return s.renderCollection(c, http.StatusOK, rc, templates.RetentionForm{})
}

// renderCollection renders a collection's page; form is its retention
// form as typed, when it has an error.
func (s *Server) renderCollection(c echo.Context, status int, rc registry.Collection, form templates.RetentionForm) error {
	ctx := c.Request().Context()
	v := templates.CollectionView{Collection: rc, Retention: s.retentionView(c, rc, form)}
	var err error
	if v.ManagedFor, v.KeptUntil, err = s.app.Expiry.ManagedExpiry(ctx, rc.Name); err != nil {
		return err
	}
	cursor := c.QueryParam("cursor")
	cp, err := s.app.Collections.Chains(ctx, rc.Name, cursor)
	v.Chains, v.Damaged, v.Incomplete = chainViews(cp.Chains), cp.Damaged, cp.Incomplete
	v.Newer, v.Next = cursor != "", cp.Next
	if err != nil {
		msg, ok := userMessage(err)
		if !ok {
			return err
		}
		v.Error = "This collection cannot be read: " + msg
		if cursor != "" && errors.Is(err, collection.ErrBadCursor) {
			v.Error = "This page of backups does not exist: " + msg
		}
	}
	return render(c, status, templates.CollectionPage(s.pageFor(c, rc.Name, "collections"), v))
}

func (s *Server) backupShow(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.app.Collections.Backup(ctx, rc.Name, c.QueryParam("path"))
	if err != nil {
		if msg, ok := userMessage(err); ok {
			return echo.NewHTTPError(http.StatusNotFound, msg)
		}
		return err
	}
	return render(c, http.StatusOK, templates.BackupPage(s.pageFor(c, "Backup of "+m.Database, "collections"), rc.Name, m))
}

// chainRemove deletes a backup chain from a collection and drops its
// replication slot.
func (s *Server) chainRemove(c echo.Context) error {
	rc, err := s.collectionFromPath(c)
	if err != nil {
		return err
	}
	chain := c.FormValue("chain")
	back := "/collections/" + url.PathEscape(rc.Name)
	r, err := s.app.Collections.RemoveChain(c.Request().Context(), rc.Name, chain)
	ev := event{Action: audit.ActionChainRemoved, TargetType: "collection", TargetID: rc.Name, Params: map[string]any{
		"chain": chain, "database": r.Database, "layers": r.Layers, "replication_slot": r.Slot, "slot_dropped": r.Slot != "" && r.SlotError == nil,
	}}
	if err != nil {
		s.recordResult(c, ev, err)
		if msg, ok := userMessage(err); ok {
			return s.redirectWithFlash(c, back, "error", "Chain "+chain+" not removed: "+msg)
		}
		return err
	}
	text := fmt.Sprintf("Removed the chain %s of %s: %d backup(s).", chain, r.Database, len(r.Layers))
	if r.SlotError != nil {
		why := s.messageFor(r.SlotError, "dropping a removed chain's replication slot", "collection", rc.Name)
		s.record(c, ev, audit.OutcomeOK, "replication slot not dropped: "+why)
		return s.redirectWithFlash(c, back, "error", text+" Its replication slot "+r.Slot+" could not be dropped ("+why+"); run on the cluster: "+r.SlotSQL)
	}
	s.record(c, ev, audit.OutcomeOK, "")
	return s.redirectWithFlash(c, back, "ok", text)
}

func (s *Server) collectionNames(c echo.Context) ([]string, error) {
	list, err := s.app.Collections.List(c.Request().Context())
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(list))
	for _, rc := range list {
		names = append(names, rc.Name)
	}
	return names, nil
}
