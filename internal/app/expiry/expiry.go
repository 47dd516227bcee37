package expiry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/internal/app/collections"
	"github.com/stratabackup/strata/internal/app/jobrun"
	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/collection"
	"github.com/stratabackup/strata/internal/jobs"
	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/schedule"
	"github.com/stratabackup/strata/internal/usererror"
)

// Service removes the backup chains retention policies expire: a
// collection's own policy and those of the schedules backing up into it.
type Service struct {
	reg         *registry.Registry
	jobs        *jobs.Store
	collections *collections.Service
	schedules   *schedule.Store
	audit       *audit.Log
	log         *slog.Logger
	// KeepAfterRemoval is how long the managed backups of a removed
	// cluster are kept before they all expire (0: never).
	KeepAfterRemoval time.Duration
}

// New expires the collections of reg under their policies and those of
// the schedules in schedules, auditing every removal in auditLog.
func New(reg *registry.Registry, js *jobs.Store, colls *collections.Service, schedules *schedule.Store, auditLog *audit.Log, log *slog.Logger) *Service {
	return &Service{reg: reg, jobs: js, collections: colls, schedules: schedules, audit: auditLog, log: log}
}

// Options say how to expire a collection.
type Options struct {
	// DryRun plans and removes nothing: a preview.
	DryRun bool
	// Only, when not nil, limits removals to these chains: those a preview
	// showed and a user confirmed. A chain the plan no longer removes stays.
	Only []string
	// By is who expires, as audit entries name them (Actor, Role, Source,
	// ClientAddr, RequestID). Zero: the console on its own.
	By audit.Entry
}

// Expiration is what expiring a collection planned and did.
type Expiration struct {
	Collection string
	Policies   []retention.Policy
	Plan       retention.Result
	Removed    []ExpiredChain // in the order removed, oldest first
	// Failed are chains whose removal failed (audited), Deferred those left
	// for a later run because a job of their cluster is unfinished.
	Failed, Deferred []ExpiredChain
	// Forgotten: the collection (a removed cluster's managed one) was
	// emptied and unregistered.
	Forgotten bool
}

// NotExpired returns the chains of confirmed that x neither removed nor
// tried to: the policies no longer expire them, or they are no chains.
func (x Expiration) NotExpired(confirmed []string) []string {
	var out []string
	for _, c := range confirmed {
		tried := func(ec ExpiredChain) bool { return ec.Chain == c }
		if !slices.ContainsFunc(x.Removed, tried) && !slices.ContainsFunc(x.Failed, tried) && !slices.ContainsFunc(x.Deferred, tried) {
			out = append(out, c)
		}
	}
	return out
}

// ExpiredChain is one chain expiry removed, or tried to.
type ExpiredChain struct {
	retention.Decision
	Removal collections.ChainRemoval
	Err     error
}

// Policies are the retention policies that apply to a collection: its own
// and those of the schedules backing up into it. Policies with no limit
// are left out.
func (e *Service) Policies(ctx context.Context, rc registry.Collection) ([]retention.Policy, error) {
	own, err := e.reg.CollectionRetention(ctx, rc.ID)
	if err != nil {
		return nil, err
	}
	var out []retention.Policy
	add := func(days, count int, db, source string) {
		if p := retention.PolicyOf(days, count, db, source); !p.Empty() {
			out = append(out, p)
		}
	}
	add(own.KeepDays, own.KeepCount, "", "collection policy")
	list, err := e.schedules.List(ctx)
	if err != nil {
		return nil, err
	}
	for _, sch := range list {
		if sch.Unreadable != "" && (sch.Collection == "" || strings.EqualFold(sch.Collection, rc.Name)) {
			// Its policy is unknown, and leaving it out could expire
			// what it keeps: expire nothing until it is fixed.
			return nil, usererror.Errorf("schedule %d cannot be read from the state store (%s): nothing in collection %s expires until it is deleted", sch.ID, sch.Unreadable, rc.Name)
		}
		// A managed schedule's retention is recorded in each of its
		// backups instead, so that a change applies to new backups only.
		if strings.EqualFold(sch.Collection, rc.Name) && !sch.Managed {
			add(sch.KeepDays, sch.KeepCount, sch.Database, "schedule "+sch.Label)
		}
	}
	return out, nil
}

// Expire plans, at now, what the policies of collection name expire, and
// unless opts.DryRun removes it, oldest chain first, each with
// Service.RemoveChain (its slot dropped, then its index entries, so
// nothing listed ever lacks a file), auditing each removal as
// BACKUP_EXPIRED. On object-locked storage the lock of each chain the
// policies would remove is read first: a chain still locked is kept and
// never deleted. A failed removal does not stop the others; the error
// returned is for the collection as a whole.
func (e *Service) Expire(ctx context.Context, name string, now time.Time, opts Options) (Expiration, error) {
	rc, err := e.reg.CollectionByName(ctx, name)
	if errors.Is(err, registry.ErrNotFound) {
		return Expiration{}, usererror.Errorf("no collection named %q", name)
	}
	if err != nil {
		return Expiration{}, err
	}
	policies, err := e.Policies(ctx, rc)
	if err != nil {
		return Expiration{Collection: rc.Name}, err
	}
	x, err := e.expire(ctx, rc.Name, opts, func(chains []retention.Chain) retention.Result {
		return retention.Plan(chains, policies, now)
	})
	x.Policies = policies
	return x, err
}

// expire plans the chains of collection name with plan and, unless
// opts.DryRun, removes what it says, oldest first, auditing each removal.
// On object-locked storage the locks of the chains plan would remove are
// read and the plan made again, so no delete is sent before a lock lapses.
func (e *Service) expire(ctx context.Context, name string, opts Options, plan func([]retention.Chain) retention.Result) (Expiration, error) {
	x := Expiration{Collection: name}
	coll, err := e.reg.OpenCollection(ctx, name)
	if err != nil {
		return x, err
	}
	defer coll.Close()
	sums, damaged, err := collection.Readable(coll.Backups(ctx))
	if err != nil {
		return x, err
	}
	// A chain with a damaged index entry is left alone, and counted by no
	// policy: leaving it out keeps more of the others, never fewer.
	hurt, known := damaged.Chains()
	if !known {
		return x, damaged
	}
	sums = slices.DeleteFunc(sums, func(s collection.Summary) bool { return slices.Contains(hurt, s.Chain) })
	chains, layers := retentionChains(sums)
	x.Plan = plan(chains)
	for _, c := range slices.Backward(hurt) {
		x.Plan.Keep = append(x.Plan.Keep, retention.Decision{Chain: c,
			Reason: "an index entry of this chain is damaged, so what it holds is unknown: remove the chain by hand, or repair the entry"})
	}
	if len(x.Plan.Remove) > 0 {
		locking, err := coll.Store().Locking(ctx)
		if err != nil {
			return x, err
		}
		if locking {
			for i, c := range chains {
				if !slices.ContainsFunc(x.Plan.Remove, func(d retention.Decision) bool { return d.Chain == c.Path }) {
					continue
				}
				if chains[i].Lock, err = coll.ChainLock(ctx, layers[c.Path]); err != nil {
					return x, err
				}
			}
			x.Plan = plan(chains)
		}
	}
	if opts.DryRun {
		return x, nil
	}
	for _, d := range x.Plan.Remove {
		if opts.Only != nil && !slices.Contains(opts.Only, d.Chain) {
			continue
		}
		ec := ExpiredChain{Decision: d}
		if ec.Err = jobrun.RefuseUnfinished(ctx, e.jobs, layers[d.Chain][0].Cluster, "expire it"); ec.Err != nil {
			x.Deferred = append(x.Deferred, ec)
			continue
		}
		ec.Removal, ec.Err = e.collections.RemoveChain(ctx, name, d.Chain)
		if errors.Is(ec.Err, collection.ErrNoBackup) {
			e.log.Info("expiry: chain already gone", "collection", name, "chain", d.Chain, "error", ec.Err)
			continue // removed meanwhile, by another console or by hand
		}
		e.record(ctx, name, ec, opts.By)
		if ec.Err != nil {
			x.Failed = append(x.Failed, ec)
		} else {
			x.Removed = append(x.Removed, ec)
		}
	}
	return x, nil
}

// retentionChains turns a collection's layers into retention's chains, with each
// chain's layers by path.
func retentionChains(sums []collection.Summary) ([]retention.Chain, map[string][]collection.Summary) {
	layers := map[string][]collection.Summary{}
	var chains []retention.Chain
	for _, s := range sums {
		if _, seen := layers[s.Chain]; seen {
			continue
		}
		ls := collection.ChainLayers(sums, s.Chain)
		layers[s.Chain] = ls
		c := retention.Chain{Path: s.Chain, Database: ls[0].Database, Restorable: ls[0].Kind == collection.KindFull, Partial: ls[0].Partial}
		for _, l := range ls {
			c.Ends = append(c.Ends, l.EndTime)
			c.KeepDays = append(c.KeepDays, l.KeepDays)
		}
		chains = append(chains, c)
	}
	return chains, layers
}

// record audits one removal.
func (e *Service) record(ctx context.Context, coll string, ec ExpiredChain, by audit.Entry) {
	r := ec.Removal
	by.Action, by.TargetType, by.TargetID = audit.ActionBackupExpired, "chain", ec.Chain
	by.Params = map[string]any{"collection": coll, "database": ec.Database, "reason": ec.Reason,
		"layers": r.Layers, "replication_slot": r.Slot, "slot_dropped": r.Slot != "" && r.SlotError == nil}
	by.Outcome = audit.OutcomeOK
	switch {
	case ec.Err != nil:
		by.Outcome, by.Message = audit.OutcomeError, e.userMessage(ec.Err, coll, ec.Chain)
	case r.SlotError != nil:
		by.Message = fmt.Sprintf("replication slot not dropped (%s); run on the cluster: %s", e.userMessage(r.SlotError, coll, ec.Chain), r.SlotSQL)
	}
	e.audit.Record(ctx, e.log, by)
}

// userMessage is err's message for users; other errors go to the log.
func (e *Service) userMessage(err error, coll, chain string) string {
	if msg, ok := usererror.Message(err); ok {
		return msg
	}
	e.log.Error("expiry", "collection", coll, "chain", chain, "error", err)
	return "internal error; see the console log"
}

// ExpireAll expires, at now, every collection some policy applies to, as
// the console on its own. A collection that fails does not stop the
// others; their errors are returned together.
func (e *Service) ExpireAll(ctx context.Context, now time.Time) error {
	list, err := e.reg.Collections(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, rc := range list {
		ps, err := e.Policies(ctx, rc)
		if err == nil && len(ps) == 0 {
			// Managed backups carry their own retention.
			if managedFor, _, merr := e.reg.ManagedCluster(ctx, rc.ID); merr != nil || managedFor == "" {
				continue
			}
		}
		var x Expiration
		if err == nil {
			x, err = e.Expire(ctx, rc.Name, now, Options{})
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("expire collection %s: %w", rc.Name, err))
			continue
		}
		for _, d := range x.Deferred {
			e.log.Info("expiry: chain left for the next run", "collection", rc.Name, "chain", d.Chain, "reason", d.Err)
		}
	}
	removed, err := e.reg.RemovedManagedCollections(ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, rm := range removed {
		if e.KeepAfterRemoval <= 0 || now.Before(rm.RemovedAt.Add(e.KeepAfterRemoval)) {
			continue
		}
		if _, err := e.ExpireRemovedCluster(ctx, rm, now); err != nil {
			errs = append(errs, fmt.Errorf("expire the managed backups of removed cluster %s: %w", rm.Cluster, err))
		}
	}
	return errors.Join(errs...)
}

// ExpireRemovedCluster expires the managed backups of a cluster removed
// long enough ago: every chain but those the storage's object lock still
// holds, each audited, then the collection itself once it is empty
// (audited COLLECTION_REMOVED). The console calls it from ExpireAll.
func (e *Service) ExpireRemovedCluster(ctx context.Context, rm registry.RemovedManaged, now time.Time) (Expiration, error) {
	reason := fmt.Sprintf("managed backup of cluster %s, which was removed on %s UTC and kept %s since",
		rm.Cluster, rm.RemovedAt.Format("2006-01-02 15:04"), retention.Age(e.KeepAfterRemoval))
	x, err := e.expire(ctx, rm.Collection.Name, Options{}, func(chains []retention.Chain) retention.Result {
		return retention.Everything(chains, reason, now)
	})
	if err != nil || len(x.Plan.Keep)+len(x.Failed)+len(x.Deferred) > 0 {
		return x, err // tried again at the next run
	}
	if err := e.reg.RemoveCollection(ctx, rm.Collection.ID); err != nil {
		return x, err
	}
	x.Forgotten = true
	e.audit.Record(ctx, e.log, audit.Entry{Action: audit.ActionCollectionRemoved, TargetType: "collection", TargetID: rm.Collection.Name,
		Params: map[string]any{"reason": "the managed backups of removed cluster " + rm.Cluster + " expired"}})
	return x, nil
}

// Run expires every collection at once and then every interval until ctx
// ends, logging what fails.
func (e *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := e.ExpireAll(ctx, time.Now()); err != nil && ctx.Err() == nil {
			e.log.Warn("expiry", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ManagedExpiry says until when a removed cluster's managed collection is
// kept (zero: its cluster is registered, or it is no managed collection).
func (e *Service) ManagedExpiry(ctx context.Context, collectionName string) (clusterName string, until time.Time, err error) {
	c, err := e.reg.CollectionByName(ctx, collectionName)
	if err != nil {
		return "", time.Time{}, err
	}
	clusterName, removed, err := e.reg.ManagedCluster(ctx, c.ID)
	if err != nil || removed.IsZero() {
		return clusterName, time.Time{}, err
	}
	return clusterName, removed.Add(e.KeepAfterRemoval), nil
}
