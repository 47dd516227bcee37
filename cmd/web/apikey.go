package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/config"
)

func apikeyCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: strata apikey add NAME --role admin|auditor")
	}
	fs := flag.NewFlagSet("apikey add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := config.DataDirFromArgs(fs)
	roleText := fs.String("role", "", "admin or auditor (required)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("name exactly one key: strata apikey add NAME --role admin|auditor")
	}
	role, err := auth.ParseRole(*roleText)
	if err != nil {
		return err
	}
	a, err := openState(ctx, *dataDir, "")
	if err != nil {
		return err
	}
	defer a.Close()
	_, token, err := a.auth.CreateAPIKey(ctx, pos[0], role, "cli:"+osUser())
	if aerr := a.recordCLI(ctx, audit.ActionAPIKeyCreated, "apikey", pos[0], map[string]any{"role": *roleText}, err); aerr != nil {
		return aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}
