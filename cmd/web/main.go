package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `Strata: backup and restore console for PostgreSQL-protocol databases.

Usage:
  strata serve [--addr HOST:PORT] [--data-dir DIR] [more flags: strata serve -h]
  strata demo  [same flags as serve]           (serve with a demo PostgreSQL cluster and sample data)
  strata user add NAME --role admin|auditor    (password on standard input)
  strata user passwd NAME                      (password on standard input)
  strata apikey add NAME --role admin|auditor  (prints only the new token)
  strata audit verify [--audit-anchor NAME]    (exit 0 intact, 1 broken)

Every command takes --data-dir (env STRATA_DATA_DIR, default ./data).
`

// exitError carries a process exit code other than 1.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "strata:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError{2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr)
	case "demo":
		return demoCommand(ctx, rest, stderr)
	case "user":
		return userCommand(ctx, rest, stdin, stdout, stderr)
	case "apikey":
		return apikeyCommand(ctx, rest, stdout, stderr)
	case "audit":
		return auditCommand(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// parseArgs parses flags that may stand before or after the positional
// arguments (`user add NAME --role admin`) and returns the positionals.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
