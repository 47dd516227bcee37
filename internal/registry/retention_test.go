package registry_test

import (
	"errors"
	"testing"

	"github.com/stratabackup/strata/internal/registry"
	"github.com/stratabackup/strata/internal/retention"
	"github.com/stratabackup/strata/internal/storage"
	"github.com/stratabackup/strata/internal/usererror"
)

func TestCollectionRetention(t *testing.T) {
	e := newEnv(t)
	c, err := e.reg.AddCollection(e.ctx, "offsite", "file://"+t.TempDir(), storage.Credentials{}, "root")
	if err != nil {
		t.Fatal(err)
	}
	if ret, err := e.reg.CollectionRetention(e.ctx, c.ID); err != nil || ret != (registry.Retention{}) {
		t.Fatalf("new collection: %+v, %v", ret, err)
	}
	want := registry.Retention{KeepDays: 30, KeepCount: 5}
	if err := e.reg.SetCollectionRetention(e.ctx, c.ID, want); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []registry.Retention{{KeepDays: -1}, {KeepCount: -3}, {KeepDays: retention.MaxKeepDays + 1}, {KeepCount: retention.MaxKeepCount + 1}} {
		err := e.reg.SetCollectionRetention(e.ctx, c.ID, bad)
		if _, ok := usererror.Message(err); !ok {
			t.Errorf("%+v: %v, want a message for users", bad, err)
		}
	}
	if ret, err := e.reg.CollectionRetention(e.ctx, c.ID); err != nil || ret != want {
		t.Errorf("after bad input: %+v, %v; want %+v kept", ret, err, want)
	}
	if err := e.reg.SetCollectionRetention(e.ctx, c.ID+100, want); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("unknown collection: %v", err)
	}
	if _, err := e.reg.CollectionRetention(e.ctx, c.ID+100); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("unknown collection: %v", err)
	}
}
