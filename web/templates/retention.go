package templates

import (
	"github.com/stratabackup/strata/internal/app/expiry"
	"github.com/stratabackup/strata/internal/retention"
)

// RetentionView is the Retention section of a collection's page.
type RetentionView struct {
	Policies []retention.Policy // every policy that applies: the collection's own and its schedules'
	Form     RetentionForm
	Error    string // the policies could not be read
}

// RetentionForm is the collection's own policy as stored, or as typed
// after an error.
type RetentionForm struct {
	KeepDays, KeepCount string
	Error               string
}

// ExpiryView is a preview of what expiry would do to a collection now.
type ExpiryView struct {
	Collection string
	Expiration expiry.Expiration
	Error      string // the collection could not be read
}

// expireConfirm asks before the chains the preview lists are deleted.
func (v ExpiryView) expireConfirm() string {
	return "Delete the " + itoa(int64(len(v.Expiration.Plan.Remove))) + " backup chain(s) listed from " + v.Collection +
		", with their replication slots? This cannot be undone."
}
