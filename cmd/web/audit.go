package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/stratabackup/strata/internal/config"
)

func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: strata audit verify [--audit-anchor COLLECTION]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := config.DataDirFromArgs(fs)
	anchor := config.AuditAnchorFromArgs(fs)
	if _, err := parseArgs(fs, args[1:]); err != nil {
		return err
	}
	a, err := openState(ctx, *dataDir, *anchor)
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.audit.Verify(ctx)
	if err != nil {
		return err
	}
	if r.OK {
		fmt.Fprintf(stdout, "audit chain intact: %d entries verified\n", r.Checked)
	} else {
		fmt.Fprintf(stdout, "audit chain BROKEN after %d good entries:\n", r.Checked)
		for _, p := range r.Problems {
			fmt.Fprintf(stdout, "  - %s\n", p)
		}
	}
	for _, an := range r.Anchors {
		if c := an.Newest; c.EntryID > 0 {
			fmt.Fprintf(stdout, "%s: newest checkpoint at entry %d, %s\n", an.Anchor, c.EntryID, c.Time.Format(time.RFC3339))
		}
	}
	if !r.OK {
		return exitError{1}
	}
	return nil
}
