package registry_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

const offsiteURI = "s3://backups/strata?endpoint=http://127.0.0.1:9000&region=us-east-1"

var offsiteCreds = storage.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "S3cret-Acc3ss-Key"}

func TestAddCollection(t *testing.T) {
	e := newEnv(t)
	c, err := e.reg.AddCollection(e.ctx, "offsite", offsiteURI, offsiteCreds, "alice")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := storage.Parse(offsiteURI)
	if err != nil {
		t.Fatal(err)
	}
	want := registry.Collection{ID: c.ID, Name: "offsite", URI: loc.String(), CreatedAt: e.now, CreatedBy: "alice", HasCredentials: true}
	if c.ID <= 0 || c != want {
		t.Fatalf("AddCollection() =\n%+v, want\n%+v", c, want)
	}
	for what, get := range map[string]func() (registry.Collection, error){
		"Collection":       func() (registry.Collection, error) { return e.reg.Collection(e.ctx, c.ID) },
		"CollectionByName": func() (registry.Collection, error) { return e.reg.CollectionByName(e.ctx, "OffSite") },
	} {
		got, err := get()
		if err != nil || got != want {
			t.Errorf("%s() = %+v, %v; want %+v", what, got, err, want)
		}
	}

	gotLoc, creds, err := e.reg.Location(e.ctx, c.ID)
	if err != nil || gotLoc.String() != loc.String() || creds != offsiteCreds {
		t.Errorf("Location() = %v, %v, %v; want %v with the credentials", gotLoc, creds, err, loc)
	}

	folder := filepath.Join(e.dir, "backups")
	local, err := e.reg.AddCollection(e.ctx, "nearby", "file://"+folder, storage.Credentials{}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	gotLoc, creds, err = e.reg.Location(e.ctx, local.ID)
	if err != nil || gotLoc.Scheme != "file" || gotLoc.Path != folder || creds != (storage.Credentials{}) || local.HasCredentials {
		t.Errorf("file collection %+v: Location() = %+v, %v, %v", local, gotLoc, creds, err)
	}

	list, err := e.reg.Collections(e.ctx)
	if err != nil || len(list) != 2 || list[0].Name != "nearby" || list[1] != want {
		t.Errorf("Collections() = %+v, %v", list, err)
	}
}

func TestAddCollectionRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	if _, err := e.reg.AddCollection(e.ctx, "offsite", offsiteURI, offsiteCreds, "alice"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, uri string
		creds     storage.Credentials
		want      string
	}{
		{"OFFSITE", offsiteURI, offsiteCreds, "a collection named OFFSITE already exists"},
		{"", offsiteURI, offsiteCreds, "collection name is required"},
		{"two words", offsiteURI, offsiteCreds, "collection name may only contain"},
		{"x", "", offsiteCreds, "enter a storage URI"},
		{"x", "ftp://host/dir", offsiteCreds, "unsupported storage scheme"},
		{"x", "s3://AKIAEXAMPLE:S3cret-Acc3ss-Key@backups/strata", storage.Credentials{}, "remove the credentials from the URI"},
		{"x", "file://relative/path", storage.Credentials{}, "absolute path"},
		{"x", offsiteURI, storage.Credentials{AccessKeyID: "AKIAEXAMPLE"}, "enter both the access key ID and the secret access key"},
		{"x", offsiteURI, storage.Credentials{SecretAccessKey: "S3cret-Acc3ss-Key"}, "enter both the access key ID and the secret access key"},
		{"x", "file:///var/backups", offsiteCreds, "file:// collections take no credentials"},
	}
	for _, tt := range tests {
		_, err := e.reg.AddCollection(e.ctx, tt.name, tt.uri, tt.creds, "alice")
		if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.As(err, new(*usererror.Error)) {
			t.Errorf("AddCollection(%q, %q) = %v, want a user error containing %q", tt.name, tt.uri, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "S3cret") {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	if list, _ := e.reg.Collections(e.ctx); len(list) != 1 {
		t.Errorf("collections = %+v, want only offsite", list)
	}
}

func TestRemoveCollectionKeepsTheBackups(t *testing.T) {
	e := newEnv(t)
	folder := filepath.Join(e.dir, "backups")
	if err := os.MkdirAll(folder, 0o700); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(folder, "BACKUP_MANIFEST")
	if err := os.WriteFile(backup, []byte("a backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := e.reg.AddCollection(e.ctx, "nearby", "file://"+folder, storage.Credentials{}, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.reg.RemoveCollection(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(backup); err != nil {
		t.Errorf("the collection's files are gone: %v", err)
	}
	for what, err := range map[string]error{
		"RemoveCollection again": e.reg.RemoveCollection(e.ctx, c.ID),
		"Collection":             second(e.reg.Collection(e.ctx, c.ID)),
		"CollectionByName":       second(e.reg.CollectionByName(e.ctx, "nearby")),
	} {
		if !errors.Is(err, registry.ErrNotFound) || err.Error() != "collection not found" {
			t.Errorf("%s = %v, want collection not found", what, err)
		}
	}
	if _, _, err := e.reg.Location(e.ctx, c.ID); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Location = %v, want ErrNotFound", err)
	}
}

func TestEnsureDefaultCollection(t *testing.T) {
	e := newEnv(t)
	dataDir := filepath.Join(e.dir, "data dir")
	c, err := e.reg.EnsureDefaultCollection(e.ctx, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	wantPath := filepath.Join(dataDir, "collections", "local")
	if c.Name != "local" || c.URI != "file://"+strings.ReplaceAll(wantPath, " ", "%20") || c.HasCredentials || c.CreatedBy != "strata" {
		t.Errorf("default collection = %+v", c)
	}
	loc, _, err := e.reg.Location(e.ctx, c.ID)
	if err != nil || loc.Path != wantPath {
		t.Errorf("Location() = %+v, %v; want path %s", loc, err, wantPath)
	}

	again, err := e.reg.EnsureDefaultCollection(e.ctx, dataDir)
	if err != nil || again != c {
		t.Errorf("second call = %+v, %v; want %+v", again, err, c)
	}

	// A collection named local that the admin registered elsewhere stays as it is.
	if err := e.reg.RemoveCollection(e.ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	mine, err := e.reg.AddCollection(e.ctx, "Local", offsiteURI, offsiteCreds, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.reg.EnsureDefaultCollection(e.ctx, dataDir); err != nil || got != mine {
		t.Errorf("with an existing local: %+v, %v; want %+v", got, err, mine)
	}
}
