package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/testutil/minio"
	"github.com/stratabackup/strata/internal/testutil/pgtest"
)

const shopSchema = `
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers, total numeric(10,2), placed timestamptz);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, 1 + g % 2000, g * 1.25, timestamptz '2026-01-01 00:00Z' + g * interval '1 minute' FROM generate_series(1, 10000) g;
`

// startShop starts PostgreSQL with a small "shop" database.
func startShop(t *testing.T) *pgtest.Server {
	pg := pgtest.Start(t)
	pg.CreateDatabase(t, "shop")
	pg.Exec(t, "shop", shopSchema)
	return pg
}

// waitJob polls the API until the job is finished and returns it.
func (e *testEnv) waitJob(token string, id int64) apiJob {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, body := e.apiRequest("GET", fmt.Sprintf("/api/v1/jobs/%d", id), token, "")
		var j apiJob
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &j) != nil {
			e.t.Fatalf("job %d: %d %s", id, resp.StatusCode, body)
		}
		if j.Status == "succeeded" || j.Status == "failed" || j.Status == "canceled" {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %d still %s", id, j.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *testEnv) startJob(token, path, body string) int64 {
	e.t.Helper()
	resp, out := e.apiRequest("POST", path, token, body)
	var r struct {
		JobID int64 `json:"job_id"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal([]byte(out), &r) != nil || r.JobID == 0 {
		e.t.Fatalf("POST %s: %d %s", path, resp.StatusCode, out)
	}
	return r.JobID
}

func rowsOf(t *testing.T, pg *pgtest.Server, db, query string) string {
	t.Helper()
	var out string
	if err := pg.Connect(t, db).QueryRow(context.Background(), query).Scan(&out); err != nil {
		t.Fatalf("%s in %s: %v", query, db, err)
	}
	return out
}

const ordersDigest = `SELECT md5(string_agg(o::text, ',' ORDER BY id)) FROM orders o`

// TestAPIBackupAndRestore drives a backup and a restore through the JSON API
// against a real PostgreSQL and compares the restored rows.
func TestAPIBackupAndRestore(t *testing.T) {
	env := newTestEnv(t)
	pg := startShop(t)
	admin := env.apiKey("ops", auth.RoleAdmin)
	auditor := env.apiKey("reader", auth.RoleAuditor)

	resp, body := env.apiRequest("POST", "/api/v1/clusters", admin, fmt.Sprintf(`{"name":"pg","kind":"postgres","dsn":%q}`, pg.DSN("postgres")))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add cluster: %d %s", resp.StatusCode, body)
	}
	if resp, _ := env.apiRequest("POST", "/api/v1/backups", auditor, `{"cluster":"pg","database":"shop","collection":"local"}`); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("auditor starts a backup: %d", resp.StatusCode)
	}
	resp, body = env.apiRequest("POST", "/api/v1/backups", admin, `{"cluster":"nope","database":"shop","collection":"local"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `no cluster named \"nope\"`) {
		t.Fatalf("unknown cluster: %d %s", resp.StatusCode, body)
	}

	id := env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local"}`)
	if j := env.waitJob(auditor, id); j.Status != "succeeded" || j.FractionCompleted != 1 {
		t.Fatalf("backup job: %+v", j)
	}
	resp, body = env.apiRequest("GET", "/api/v1/collections/local/backups", auditor, "")
	var list struct {
		Backups []struct {
			Path     string `json:"path"`
			Database string `json:"database"`
			Rows     int64  `json:"rows"`
		} `json:"backups"`
	}
	if err := json.Unmarshal([]byte(body), &list); resp.StatusCode != http.StatusOK || err != nil || len(list.Backups) != 1 || list.Backups[0].Rows != 12000 {
		t.Fatalf("backups: %d %s", resp.StatusCode, body)
	}

	id = env.startJob(admin, "/api/v1/restores", `{"cluster":"pg","collection":"local","backup":"LATEST","database":"shop","new_db_name":"shop_copy"}`)
	if j := env.waitJob(auditor, id); j.Status != "succeeded" {
		t.Fatalf("restore job: %+v", j)
	}
	if a, b := rowsOf(t, pg, "shop", ordersDigest), rowsOf(t, pg, "shop_copy", ordersDigest); a != b {
		t.Fatalf("restored orders differ: %s vs %s", a, b)
	}

	// Restoring over an existing database is refused, naming it, and changes nothing.
	id = env.startJob(admin, "/api/v1/restores", fmt.Sprintf(`{"cluster":"pg","collection":"local","backup":%q,"database":"shop","new_db_name":"shop"}`, list.Backups[0].Path))
	if j := env.waitJob(auditor, id); j.Status != "failed" || !strings.Contains(j.Error, "shop") || !strings.Contains(j.Error, "exists") {
		t.Fatalf("restore over an existing database: %+v", j)
	}
	body = env.ok(env.apiRequest("GET", "/api/v1/jobs", auditor, ""))
	if !strings.Contains(body, `"type":"restore"`) || !strings.Contains(body, `"type":"backup"`) {
		t.Fatalf("jobs list: %s", body)
	}

	// A newer full backup supersedes the older one's replication slot.
	id = env.startJob(admin, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local"}`)
	if j := env.waitJob(auditor, id); j.Status != "succeeded" {
		t.Fatalf("second backup: %+v", j)
	}
	if n := rowsOf(t, pg, "postgres", "SELECT count(*)::text FROM pg_replication_slots WHERE database = 'shop'"); n != "1" {
		t.Fatalf("%s replication slots for shop after two backups, want 1", n)
	}
}

// TestFreshConsoleRestoresFromCollectionAlone backs up with one console and
// restores with another that shares nothing but the storage location.
func TestFreshConsoleRestoresFromCollectionAlone(t *testing.T) {
	pg := startShop(t)
	first := newTestEnv(t)
	key := first.apiKey("ops", auth.RoleAdmin)
	first.wantStatus(http.StatusCreated)(first.apiRequest("POST", "/api/v1/clusters", key, fmt.Sprintf(`{"name":"pg","dsn":%q}`, pg.DSN("postgres"))))
	id := first.startJob(key, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"local"}`)
	if j := first.waitJob(key, id); j.Status != "succeeded" {
		t.Fatalf("backup: %+v", j)
	}

	second := newTestEnv(t)
	key2 := second.apiKey("ops", auth.RoleAdmin)
	location := "file://" + first.dataDir + "/collections/local"
	resp, body := second.apiRequest("POST", "/api/v1/collections", key2, fmt.Sprintf(`{"name":"shared","uri":%q}`, location))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("register the first console's collection: %d %s", resp.StatusCode, body)
	}
	if body := second.ok(second.apiRequest("GET", "/api/v1/collections/shared/backups", key2, "")); !strings.Contains(body, `"database":"shop"`) {
		t.Fatalf("fresh console lists: %s", body)
	}
	second.wantStatus(http.StatusCreated)(second.apiRequest("POST", "/api/v1/clusters", key2, fmt.Sprintf(`{"name":"pg","dsn":%q}`, pg.DSN("postgres"))))
	id = second.startJob(key2, "/api/v1/restores", `{"cluster":"pg","collection":"shared","backup":"LATEST","database":"shop","new_db_name":"shop_elsewhere"}`)
	if j := second.waitJob(key2, id); j.Status != "succeeded" {
		t.Fatalf("restore by the fresh console: %+v", j)
	}
	if a, b := rowsOf(t, pg, "shop", ordersDigest), rowsOf(t, pg, "shop_elsewhere", ordersDigest); a != b {
		t.Fatal("restored orders differ")
	}
	// A location holding something else is refused with what to fix.
	other := t.TempDir()
	os.WriteFile(other+"/notes.txt", []byte("not a backup"), 0o600)
	resp, body = second.apiRequest("POST", "/api/v1/collections", key2, fmt.Sprintf(`{"name":"junk","uri":"file://%s"}`, other))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "not a Strata collection") {
		t.Fatalf("foreign location: %d %s", resp.StatusCode, body)
	}
}

// TestS3Collection backs up into an S3 collection on a real MinIO server and
// restores from it; the secret key never comes back out of the API.
func TestS3Collection(t *testing.T) {
	s3 := minio.Start(t)
	s3.CreateBucket(t, "backups")
	env := newTestEnv(t)
	pg := startShop(t)
	key := env.apiKey("ops", auth.RoleAdmin)
	env.wantStatus(http.StatusCreated)(env.apiRequest("POST", "/api/v1/clusters", key, fmt.Sprintf(`{"name":"pg","dsn":%q}`, pg.DSN("postgres"))))

	resp, body := env.apiRequest("POST", "/api/v1/collections", key, fmt.Sprintf(
		`{"name":"s3","uri":%q,"access_key_id":%q,"secret_access_key":"wrong-secret"}`, s3.URI("backups", "strata"), s3.AccessKey))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("wrong S3 secret accepted: %d %s", resp.StatusCode, body)
	}
	resp, body = env.apiRequest("POST", "/api/v1/collections", key, fmt.Sprintf(
		`{"name":"s3","uri":%q,"access_key_id":%q,"secret_access_key":%q}`, s3.URI("backups", "strata"), s3.AccessKey, s3.SecretKey))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add S3 collection: %d %s", resp.StatusCode, body)
	}
	if body := env.ok(env.apiRequest("GET", "/api/v1/collections", key, "")); strings.Contains(body, s3.SecretKey) {
		t.Fatal("the S3 secret key came back from the API")
	}

	id := env.startJob(key, "/api/v1/backups", `{"cluster":"pg","database":"shop","collection":"s3"}`)
	if j := env.waitJob(key, id); j.Status != "succeeded" {
		t.Fatalf("backup to S3: %+v", j)
	}
	id = env.startJob(key, "/api/v1/restores", `{"cluster":"pg","collection":"s3","backup":"LATEST","database":"shop","new_db_name":"shop_from_s3"}`)
	if j := env.waitJob(key, id); j.Status != "succeeded" {
		t.Fatalf("restore from S3: %+v", j)
	}
	if a, b := rowsOf(t, pg, "shop", ordersDigest), rowsOf(t, pg, "shop_from_s3", ordersDigest); a != b {
		t.Fatal("orders restored from S3 differ")
	}
	entries := env.entries(audit.Filter{Action: "COLLECTION_ADDED"})
	for _, e := range entries {
		if params, _ := json.Marshal(e.Params); strings.Contains(string(params), s3.SecretKey) || strings.Contains(string(params), "wrong-secret") {
			t.Fatal("an S3 secret reached the audit log")
		}
	}
}
