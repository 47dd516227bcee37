package templates

import (
	"testing"

	"github.com/stratabackup/strata/internal/app/expiry"
	"github.com/stratabackup/strata/internal/retention"
)

func TestExpireConfirm(t *testing.T) {
	v := ExpiryView{Collection: "off site", Expiration: expiry.Expiration{}}
	v.Expiration.Plan.Remove = make([]retention.Decision, 2)
	if got, want := v.expireConfirm(), "Delete the 2 backup chain(s) listed from off site, with their replication slots? This cannot be undone."; got != want {
		t.Errorf("expireConfirm = %q, want %q", got, want)
	}
}
