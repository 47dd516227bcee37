package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/stratabackup/strata/internal/audit"
	"github.com/stratabackup/strata/internal/auth"
	"github.com/stratabackup/strata/internal/config"
)

func userCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "add" && args[0] != "passwd") {
		return errors.New("usage: strata user add NAME --role admin|auditor | strata user passwd NAME")
	}
	sub := args[0]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := config.DataDirFromArgs(fs)
	roleText := "admin"
	if sub == "add" {
		fs.StringVar(&roleText, "role", "", "admin or auditor (required)")
	}
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("name exactly one user: strata user %s NAME", sub)
	}
	name := pos[0]
	role, err := auth.ParseRole(roleText)
	if err != nil {
		return err
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}

	a, err := openState(ctx, *dataDir, "")
	if err != nil {
		return err
	}
	defer a.Close()
	if sub == "add" {
		_, err = a.auth.CreateUser(ctx, name, password, role)
		if aerr := a.recordCLI(ctx, audit.ActionUserCreated, "user", name, map[string]any{"role": roleText}, err); aerr != nil {
			return aerr
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "user %s added as %s\n", name, role)
		return nil
	}
	u, err := a.auth.GetUserByName(ctx, name)
	if errors.Is(err, auth.ErrUserNotFound) {
		err = fmt.Errorf("no user named %q", name)
	}
	if err == nil {
		err = a.auth.SetPassword(ctx, u.ID, password)
	}
	if aerr := a.recordCLI(ctx, audit.ActionUserPasswordReset, "user", name, nil, err); aerr != nil {
		return aerr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password of %s changed; their sessions have ended\n", name)
	return nil
}

// readPassword reads the new password: typed twice without echo on a
// terminal, or the first line of standard input when it is piped.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Repeat password: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input: pipe it in, for example: echo \"$PASSWORD\" | strata user add NAME --role admin")
	}
	return line, nil
}
