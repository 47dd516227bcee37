package cluster

import (
	"errors"
	"testing"
)

// TestEnginesDriver: a driver comes from its kind's engine, given the
// parsed connection string; CockroachDB, which has no engine yet, is
// refused with a message for users, and a bad connection string too.
func TestEnginesDriver(t *testing.T) {
	eng := &recordingEngine{}
	engines := Engines{KindPostgres: eng}
	if _, err := engines.Driver(KindPostgres, "postgres://strata:pw@127.0.0.1:5432/app"); err != nil || eng.dsn.Password() != "pw" {
		t.Fatalf("Driver() = %v; the engine got %s", err, eng.dsn.Redacted())
	}
	if _, err := engines.Driver(KindCockroach, "postgres://root@127.0.0.1:26257/defaultdb"); !errors.Is(err, errCockroachNotYet) {
		t.Errorf("a CockroachDB driver: %v", err)
	}
	if _, err := engines.Driver(KindPostgres, "postgres://strata@127.0.0.1:notaport/app"); err == nil {
		t.Error("a bad connection string was taken")
	}
}

type recordingEngine struct {
	Engine
	dsn DSN
}

func (r *recordingEngine) Driver(dsn DSN) Driver {
	r.dsn = dsn
	return nil
}
