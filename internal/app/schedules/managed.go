package schedules

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

// ManagedOptions configure managed backups: every registered cluster gets
// a schedule backing up all its databases into a collection of its own
// under Root, like CockroachDB Cloud's managed backups.
type ManagedOptions struct {
	Enabled bool
	Root    string // storage URI; each cluster's collection is <Root>/<cluster>
	// Credentials open Root (S3); empty for a local folder.
	Credentials storage.Credentials
}

// ManagedFrequency is a frequency managed backups may run at.
type ManagedFrequency struct{ Name, Label, Recurrence string }

// ManagedFrequencies are CockroachDB Cloud's choices: the schedule
// presets, then every 24 hours; hourly is the default.
var ManagedFrequencies = managedFrequencies()

func managedFrequencies() []ManagedFrequency {
	var out []ManagedFrequency
	for _, p := range schedule.Presets {
		name := p.Name
		if name == "hourly" {
			name = "1h"
		}
		out = append(out, ManagedFrequency{name, p.Label, p.Expr})
	}
	return append(out, ManagedFrequency{"24h", "Every 24 hours", "@daily"})
}

// ManagedRetentions are the retention periods, in days, managed backups
// may be kept for; 30 is the default.
var ManagedRetentions = []int{2, 7, 30, 90, 365}

const (
	defaultManagedFrequency = "@hourly"
	defaultManagedKeepDays  = 30
	managedOwner            = "strata"
)

// ManagedFrequencyOf names the frequency of a managed schedule's recurrence.
func ManagedFrequencyOf(recurrence string) ManagedFrequency {
	for _, f := range ManagedFrequencies {
		if f.Recurrence == recurrence {
			return f
		}
	}
	return ManagedFrequency{Name: "custom", Label: recurrence, Recurrence: recurrence}
}

// BackupKeepDays is the retention a scheduled backup records in its
// manifest: a managed schedule's, so that a later change of retention
// applies to new backups only.
func BackupKeepDays(sch schedule.Schedule) int {
	if sch.Managed {
		return sch.KeepDays
	}
	return 0
}

// EnsureManaged gives a cluster its managed collection and schedule when
// managed backups are enabled, and returns the schedule. The first run is
// at the next hour, a full backup of every database. Setting them up is
// audited as by (the console on its own when by names no actor).
func (sc *Service) EnsureManaged(ctx context.Context, clusterName string, by audit.Entry, now time.Time) (schedule.Schedule, error) {
	if !sc.Managed.Enabled {
		return schedule.Schedule{}, nil
	}
	if existing, err := sc.store.Managed(ctx, clusterName); err == nil {
		return existing, nil
	} else if !errors.Is(err, schedule.ErrNotFound) {
		return schedule.Schedule{}, err
	}
	root, err := url.Parse(sc.Managed.Root)
	if err != nil {
		return schedule.Schedule{}, fmt.Errorf("managed location %q: %w", sc.Managed.Root, err)
	}
	// The cluster's folder goes in the path, before any query (s3:// endpoints).
	uri := root.JoinPath(clusterName).String()
	coll, err := sc.reg.EnsureManagedCollection(ctx, clusterName, uri, sc.Managed.Credentials)
	if err != nil {
		return schedule.Schedule{}, err
	}
	rec, err := schedule.Parse(defaultManagedFrequency)
	if err != nil {
		return schedule.Schedule{}, err
	}
	m, err := sc.store.Create(ctx, schedule.Schedule{
		Label: "Managed backups of " + clusterName, Cluster: clusterName, Collection: coll.Name,
		Recurrence: rec.Expr, FullRecurrence: schedule.DefaultFullCadence(rec, now), RevisionHistory: true,
		OnFailure: schedule.OnFailureReschedule, OnPreviousRunning: schedule.OnRunningWait,
		KeepDays: defaultManagedKeepDays, Managed: true, Owner: managedOwner,
	}, time.Time{}, now)
	if err != nil {
		return m, err
	}
	by.Action, by.TargetType, by.TargetID = audit.ActionManagedBackupsSetUp, "cluster", clusterName
	by.Params = map[string]any{"collection": m.Collection, "recurrence": m.Recurrence, "keep_days": m.KeepDays}
	sc.audit.Record(ctx, sc.log, by)
	return m, nil
}

// ManagedSchedule returns the cluster's managed schedule, or
// schedule.ErrNotFound.
func (sc *Service) ManagedSchedule(ctx context.Context, clusterName string) (schedule.Schedule, error) {
	return sc.store.Managed(ctx, clusterName)
}

// ManagedSettings is what an admin may set of a cluster's managed backups.
type ManagedSettings struct {
	Frequency string // a ManagedFrequencies name
	KeepDays  int    // one of ManagedRetentions
	Paused    bool
}

// SetManaged changes a cluster's managed backups. A new frequency starts a
// new full backup at the next run; a new retention applies to backups
// taken from now on (each backup records the retention it was taken with).
func (sc *Service) SetManaged(ctx context.Context, clusterName string, set ManagedSettings, now time.Time) (schedule.Schedule, error) {
	i := slices.IndexFunc(ManagedFrequencies, func(f ManagedFrequency) bool { return f.Name == set.Frequency })
	if i < 0 {
		return schedule.Schedule{}, usererror.Errorf("frequency %q is not one of 5m, 10m, 15m, 30m, 1h, 4h, 24h", set.Frequency)
	}
	if !slices.Contains(ManagedRetentions, set.KeepDays) {
		return schedule.Schedule{}, usererror.Errorf("retention of %d days is not one of 2, 7, 30, 90, 365", set.KeepDays)
	}
	m, err := sc.store.Managed(ctx, clusterName)
	if errors.Is(err, schedule.ErrNotFound) {
		return schedule.Schedule{}, usererror.Errorf("cluster %s has no managed backups: they are turned off on this console (--managed-backups)", clusterName)
	}
	if err != nil {
		return schedule.Schedule{}, err
	}
	rec, err := schedule.Parse(ManagedFrequencies[i].Recurrence)
	if err != nil {
		return schedule.Schedule{}, err
	}
	return sc.store.Update(ctx, m.ID, func(s *schedule.Schedule) error {
		if s.Recurrence != rec.Expr {
			s.Recurrence, s.FullRecurrence = rec.Expr, schedule.DefaultFullCadence(rec, now)
		}
		s.KeepDays, s.State.Paused = set.KeepDays, set.Paused
		return nil
	}, now)
}

// ReleaseManaged stops a removed cluster's managed backups: its schedule
// goes, its collection stays, marked for expiry.Service.KeepAfterRemoval.
func (sc *Service) ReleaseManaged(ctx context.Context, clusterName string, now time.Time) error {
	m, err := sc.store.Managed(ctx, clusterName)
	switch {
	case errors.Is(err, schedule.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := sc.store.Delete(ctx, m.ID); err != nil {
			return err
		}
	}
	return sc.reg.MarkManagedClusterRemoved(ctx, clusterName, now)
}
