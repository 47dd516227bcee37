package pgtest

import (
	"context"
	"testing"
)

func TestStartGivesALogicalServer(t *testing.T) {
	s := Start(t)
	s.CreateDatabase(t, "Odd Name")
	c := s.Connect(t, "Odd Name")
	var level string
	if err := c.QueryRow(context.Background(), "SHOW wal_level").Scan(&level); err != nil || level != "logical" {
		t.Fatalf("wal_level = %q, %v", level, err)
	}
}

func TestWALLevelReplica(t *testing.T) {
	s := Start(t, WALLevel("replica"))
	var level string
	s.Connect(t, "postgres").QueryRow(context.Background(), "SHOW wal_level").Scan(&level)
	if level != "replica" {
		t.Fatalf("wal_level = %q, want replica", level)
	}
}
