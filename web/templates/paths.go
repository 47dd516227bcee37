package templates

// The links and form actions pages make, escaped here so that templates
// only place them.

import (
	"fmt"
	"net/url"
)

// path formats a link from numbers, such as path("/jobs/%d", id).
func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// clusterPath is a cluster's page, or rest below it ("/test", "#managed-backups").
func clusterPath(name, rest string) string { return "/clusters/" + url.PathEscape(name) + rest }

// collectionPath is a collection's page, or rest below it ("/retention").
func collectionPath(name, rest string) string {
	return "/collections/" + url.PathEscape(name) + rest
}

// schedulePath is a schedule's page, or rest below it ("/edit").
func schedulePath(id int64, rest string) string { return fmt.Sprintf("/schedules/%d%s", id, rest) }

// identityPath is where the cluster page's "Point-in-time coverage"
// section is loaded from and its form posted to.
func identityPath(cluster string) string { return clusterPath(cluster, "/replica-identity") }

// backupURL is the page of the backup at path in collection coll.
func backupURL(coll, path string) string {
	return collectionPath(coll, "/backup?"+url.Values{"path": {path}}.Encode())
}

// backupNowURL opens the backup form with collection coll chosen.
func backupNowURL(coll string) string {
	return "/backups/new?" + url.Values{"collection": {coll}}.Encode()
}

// databaseBackupURL opens the backup form for a database of a cluster, as
// a full or an incremental backup.
func databaseBackupURL(cluster, database string, incremental bool) string {
	q := url.Values{"cluster": {cluster}, "database": {database}}
	if incremental {
		q.Set("incremental", "1")
	}
	return "/backups/new?" + q.Encode()
}

// restoreURL opens the restore wizard at the backup at path in collection
// coll, for the whole database or, when table is set, for that table.
func restoreURL(coll, path, table string) string {
	q := url.Values{"collection": {coll}, "backup": {path}}
	if table != "" {
		q.Set("scope", "tables")
		q.Set("tables", table)
	}
	return "/restore?" + q.Encode()
}

// restoreFromURL opens the restore wizard with collection coll chosen.
func restoreFromURL(coll string) string {
	return "/restore?" + url.Values{"collection": {coll}}.Encode()
}

// pointInTimeURL opens the restore wizard at the point-in-time choice for
// a database of the collection.
func pointInTimeURL(coll, database string) string {
	return "/restore?" + url.Values{"collection": {coll}, "database": {database}, "point": {"time"}}.Encode()
}

// pageURL is the page of a keyset-paged list at base with the filters of
// q, starting before cursor before (0: the newest page).
func pageURL(base string, q url.Values, before int64) string {
	c := withoutCursor(q)
	if before > 0 {
		c.Set("before", itoa(before))
	}
	return withQuery(base, c)
}

// withoutCursor copies q without its keyset cursor, for links to the first
// page or to an export of the same filters.
func withoutCursor(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		if k != "before" {
			c[k] = v
		}
	}
	return c
}

func withQuery(base string, q url.Values) string {
	if len(q) == 0 {
		return base
	}
	return base + "?" + q.Encode()
}
