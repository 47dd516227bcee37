package operations

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/engine"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/secrets"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/store/sqlite"
	"github.com/stratabackup/strata/internal/testutil/layers"
	"github.com/stratabackup/strata/internal/testutil/minio"
	"github.com/stratabackup/strata/internal/testutil/statestore"
)

// expiryEnv is a state store with a service, schedules and an audit log.
type expiryEnv struct {
	s         *Service
	exp       *Expiry
	audit     *audit.Log
	schedules *schedule.Store
}

func newExpiryEnv(t *testing.T) *expiryEnv {
	t.Helper()
	dir := t.TempDir()
	db := statestore.Open(t, dir)
	box, err := secrets.LoadOrCreate(dir)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	e := &expiryEnv{s: New(registry.New(sqlite.NewRegistry(db), box), jobs.NewStore(sqlite.NewJobs(db)), engine.New(logger), logger), audit: newAuditLog(db), schedules: schedule.NewStore(sqlite.NewSchedules(db), box)}
	e.exp = NewExpiry(e.s, e.schedules, e.audit)
	return e
}

// newAuditLog is an audit log on db with a fixed key.
func newAuditLog(db *sql.DB) *audit.Log {
	key, err := audit.NewKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		panic(err)
	}
	return audit.New(sqlite.NewAudit(db), key)
}

// addCollection registers a collection and opens it for writing layers.
func (e *expiryEnv) addCollection(t *testing.T, name, uri string, creds storage.Credentials, ret registry.Retention) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	rc, err := e.s.AddCollection(ctx, name, uri, creds, "root")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.reg.SetCollectionRetention(ctx, rc.ID, ret); err != nil {
		t.Fatal(err)
	}
	c, err := e.s.OpenCollection(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestExpire expires a collection on a local folder and on S3: a preview
// removes nothing, an expiry limited to chains nobody confirmed removes
// nothing, and the console's own run removes exactly the chain every
// policy expires (the collection's, 30 days and 2 backups, and a
// schedule's, 4 backups of shop), audited with the scheduler as source.
// The kept chains are listed and read back whole.
func TestExpire(t *testing.T) {
	t.Run("file", func(t *testing.T) {
		testExpire(t, "file://"+t.TempDir()+"/c", storage.Credentials{})
	})
	t.Run("s3", func(t *testing.T) {
		srv := minio.Start(t)
		srv.CreateBucket(t, "strata")
		testExpire(t, srv.URI("strata", "expire"), storage.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey})
	})
}

func testExpire(t *testing.T, uri string, creds storage.Credentials) {
	ctx := context.Background()
	e := newExpiryEnv(t)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * retention.Day) }
	c := e.addCollection(t, "offsite", uri, creds, registry.Retention{KeepDays: 30, KeepCount: 2})
	if _, err := e.schedules.Create(ctx, schedule.Schedule{Label: "nightly", Cluster: "pg", Database: "shop", Collection: "offsite",
		Recurrence: "@daily", OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait, KeepCount: 4, Owner: "root"}, now, now); err != nil {
		t.Fatal(err)
	}
	// shop, newest first: d, c's incremental, c, b, a's incremental, a.
	a := layers.Commit(t, c, "shop", ago(90), "", time.Time{})
	aInc := layers.Commit(t, c, "shop", ago(89), a, ago(90))
	b := layers.Commit(t, c, "shop", ago(60), "", time.Time{})
	cc := layers.Commit(t, c, "shop", ago(20), "", time.Time{})
	cInc := layers.Commit(t, c, "shop", ago(10), cc, ago(20))
	d := layers.Commit(t, c, "shop", ago(2), "", time.Time{})
	crm := layers.Commit(t, c, "crm", ago(100), "", time.Time{})

	preview, err := e.exp.Expire(ctx, "offsite", now, ExpireOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	wantKeep := map[string]string{
		d:   "newest restorable backup of database shop",
		cc:  "within 30 days (collection policy)",
		b:   "among the newest 4 of database shop (schedule nightly)",
		crm: "newest restorable backup of database crm",
	}
	if len(preview.Plan.Remove) != 1 || preview.Plan.Remove[0].Chain != a || len(preview.Plan.Keep) != len(wantKeep) {
		t.Fatalf("preview: %+v", preview.Plan)
	}
	for _, k := range preview.Plan.Keep {
		if wantKeep[k.Chain] != k.Reason {
			t.Errorf("kept %s: %q, want %q", k.Chain, k.Reason, wantKeep[k.Chain])
		}
	}
	if x, err := e.exp.Expire(ctx, "offsite", now, ExpireOptions{Only: []string{}, By: audit.Entry{Actor: "root", Source: audit.SourceUI}}); err != nil || len(x.Removed) != 0 {
		t.Fatalf("nothing confirmed: %+v, %v", x, err)
	}
	if !layers.Listed(t, c)[a] || len(e.entries(t)) != 0 {
		t.Fatal("a preview or an unconfirmed expiry removed or audited something")
	}

	if err := e.exp.ExpireAll(ctx, now); err != nil {
		t.Fatal(err)
	}
	got := layers.Listed(t, c)
	if got[a] || got[aInc] || len(got) != 5 {
		t.Errorf("listed after expiry: %v", got)
	}
	for _, p := range []string{b, cc, cInc, d, crm} {
		layers.Intact(t, c, p)
	}
	for _, prefix := range []string{a + "/", "incrementals/" + a + "/"} {
		if objs, err := c.Store().List(ctx, prefix); err != nil || len(objs) != 0 {
			t.Errorf("left under %s: %v %v", prefix, objs, err)
		}
	}
	entries := e.entries(t)
	if len(entries) != 1 {
		t.Fatalf("audit: %+v", entries)
	}
	en := entries[0]
	if en.Action != audit.ActionBackupExpired || en.Source != audit.SourceScheduler || en.TargetID != a || en.Outcome != audit.OutcomeOK ||
		en.Params["collection"] != "offsite" || en.Params["database"] != "shop" || !strings.Contains(fmt.Sprint(en.Params["reason"]), "older than 30 days") {
		t.Errorf("audit entry: %+v", en)
	}
	// A second run finds nothing more to do.
	if err := e.exp.ExpireAll(ctx, now); err != nil || len(e.entries(t)) != 1 {
		t.Errorf("second run: %v, %d entries", err, len(e.entries(t)))
	}
}

func (e *expiryEnv) entries(t *testing.T) []audit.Entry {
	t.Helper()
	list, _, err := e.audit.List(context.Background(), audit.Filter{Action: audit.ActionBackupExpired}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// TestExpireKeepsLockedChains expires a collection in a MinIO bucket with
// object lock (a day of governance retention): an expired chain whose
// objects are still locked is kept, saying until when, and nothing of it
// is deleted (not even hidden behind a delete marker); once the lock has
// lapsed the same chain is removed.
func TestExpireKeepsLockedChains(t *testing.T) {
	ctx := context.Background()
	srv := minio.Start(t)
	srv.CreateLockedBucket(t, "worm", 1)
	e := newExpiryEnv(t)
	c := e.addCollection(t, "worm", srv.URI("worm", "backups"), storage.Credentials{AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey},
		registry.Retention{KeepDays: 30})
	now := time.Now().UTC()
	old := layers.Commit(t, c, "shop", now.Add(-90*retention.Day), "", time.Time{})
	oldInc := layers.Commit(t, c, "shop", now.Add(-89*retention.Day), old, now.Add(-90*retention.Day))
	newest := layers.Commit(t, c, "shop", now.Add(-time.Hour), "", time.Time{})

	x, err := e.exp.Expire(ctx, "worm", now, ExpireOptions{By: audit.Entry{Actor: "root", Source: audit.SourceUI}})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Removed)+len(x.Plan.Remove) != 0 || len(x.Plan.Keep) != 2 {
		t.Fatalf("expired under a lock: %+v", x)
	}
	day := now.Add(retention.Day).Format("2006-01-02")
	if k := x.Plan.Keep[1]; k.Chain != old || !strings.HasPrefix(k.Reason, "locked until "+day) || !strings.Contains(k.Reason, "governance") {
		t.Errorf("locked chain kept as %+v, want locked until %s…", k, day)
	}
	versions, err := srv.Client().ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String("worm")})
	if err != nil {
		t.Fatal(err)
	}
	if len(versions.DeleteMarkers) != 0 {
		t.Errorf("delete markers written under a lock: %d", len(versions.DeleteMarkers))
	}
	layers.Intact(t, c, old)
	layers.Intact(t, c, oldInc)

	later := now.Add(retention.Day + time.Hour)
	x, err = e.exp.Expire(ctx, "worm", later, ExpireOptions{By: audit.Entry{Actor: "root", Source: audit.SourceUI}})
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Removed) != 1 || x.Removed[0].Chain != old || len(x.Removed[0].Removal.Layers) != 2 {
		t.Fatalf("after the lock lapsed: %+v", x)
	}
	if got := layers.Listed(t, c); len(got) != 1 || !got[newest] {
		t.Errorf("listed: %v", got)
	}
	if en := e.entries(t); len(en) != 1 || en[0].Actor != "root" || en[0].Source != audit.SourceUI {
		t.Errorf("audit: %+v", en)
	}
}

// TestExpireManagedBackups: managed backups carry their own retention, so
// the console's expiry goes over a managed collection though no policy
// names it, removing what is past the retention it was taken with.
func TestExpireManagedBackups(t *testing.T) {
	ctx := context.Background()
	e := newExpiryEnv(t)
	rc, err := e.s.reg.EnsureManagedCollection(ctx, "pg", "file://"+t.TempDir()+"/managed/pg", storage.Credentials{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.s.OpenCollection(ctx, rc.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	now := time.Now().UTC()
	old := layers.CommitKept(t, c, "shop", now.Add(-10*retention.Day), "", time.Time{}, 7)
	kept := layers.CommitKept(t, c, "shop", now.Add(-5*retention.Day), "", time.Time{}, 30)
	newest := layers.CommitKept(t, c, "shop", now.Add(-time.Hour), "", time.Time{}, 7)

	if err := e.exp.ExpireAll(ctx, now); err != nil {
		t.Fatal(err)
	}
	if got := layers.Listed(t, c); len(got) != 2 || !got[kept] || !got[newest] {
		t.Fatalf("listed after expiry: %v, want %s and %s (and not %s)", got, kept, newest, old)
	}
	if en := e.entries(t); len(en) != 1 || en[0].TargetID != old || en[0].Source != audit.SourceScheduler {
		t.Fatalf("audit: %+v", en)
	}
}

// TestExpireLeavesDamagedChainsAlone: a chain whose index entry is damaged
// is neither removed nor counted, whatever the policies say of it; the
// others are expired as usual, and the preview says why it is kept.
func TestExpireLeavesDamagedChainsAlone(t *testing.T) {
	ctx := context.Background()
	e := newExpiryEnv(t)
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * retention.Day) }
	c := e.addCollection(t, "offsite", "file://"+t.TempDir()+"/c", storage.Credentials{}, registry.Retention{KeepDays: 30})
	old := layers.Commit(t, c, "shop", ago(90), "", time.Time{})
	damaged := layers.Commit(t, c, "shop", ago(60), "", time.Time{})
	newest := layers.Commit(t, c, "shop", ago(2), "", time.Time{})
	layers.DamageIndex(t, c, damaged)

	preview, err := e.exp.Expire(ctx, "offsite", now, ExpireOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(preview.Plan.Remove) != 1 || preview.Plan.Remove[0].Chain != old ||
		!slices.ContainsFunc(preview.Plan.Keep, func(d retention.Decision) bool {
			return d.Chain == damaged && strings.Contains(d.Reason, "damaged")
		}) {
		t.Fatalf("plan: %+v", preview.Plan)
	}
	if err := e.exp.ExpireAll(ctx, now); err != nil {
		t.Fatal(err)
	}
	got, _ := c.Backups(ctx)
	if len(got) != 1 || got[0].Path != newest {
		t.Errorf("listed after expiry: %+v", got)
	}
	layers.Intact(t, c, damaged)
}
