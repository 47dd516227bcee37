// Package sqlite is the console's state store in an embedded SQLite file: opening and migrating it, and all its SQL, one store type per noun.
//
// Each domain package declares what it needs from the state store as an
// interface (jobs.Storage, schedule.Storage, registry.Store, auth.Store,
// audit.Store, alerts.Store), which Jobs, Schedules, Registry, Auth, Audit
// and Deliveries implement. Every transaction takes the write lock when it
// begins, so a check and the write it guards are one step, also for
// several processes sharing the file. Times are stored as fixed-width
// text (Time), and rows that one damaged value must not keep out of a list
// are read column by column (RowProblems).
package sqlite
