package audit

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Export formats.
const (
	FormatCSV   = "csv"
	FormatJSONL = "jsonl"
)

// exportPage is how many entries Export reads per query. Reading in keyset
// pages keeps memory flat and never holds one read transaction open for the
// whole export.
const exportPage = 1000

// Export writes every entry matching f, newest first, to w as CSV (with a
// header row; params as JSON text) or as JSON Lines (one Entry per line).
func (l *Log) Export(ctx context.Context, f Filter, w io.Writer, format string) error {
	var write func(Entry) error
	var flush func() error
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(w)
		write = func(e Entry) error {
			rec, err := csvRecord(e)
			if err != nil {
				return err
			}
			return cw.Write(rec)
		}
		flush = func() error {
			cw.Flush()
			return cw.Error()
		}
		if err := cw.Write(csvHeader); err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
	case FormatJSONL:
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		write = func(e Entry) error { return enc.Encode(e) }
		flush = bw.Flush
	default:
		return fmt.Errorf("audit: unknown export format %q", format)
	}

	var before int64
	for {
		entries, err := l.page(ctx, f, before, exportPage)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := write(e); err != nil {
				return fmt.Errorf("audit: export: %w", err)
			}
		}
		if len(entries) < exportPage {
			break
		}
		before = entries[len(entries)-1].ID
	}
	if err := flush(); err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

var csvHeader = []string{
	"id", "time", "actor", "role", "source", "action", "target_type", "target_id",
	"params", "outcome", "message", "client_addr", "request_id", "prev_hash", "hash", "hash_version",
}

func csvRecord(e Entry) ([]string, error) {
	params, err := json.Marshal(e.Params)
	if err != nil {
		return nil, err
	}
	rec := []string{
		strconv.FormatInt(e.ID, 10), e.Time.Format(TimeLayout), e.Actor, e.Role, e.Source,
		e.Action, e.TargetType, e.TargetID, string(params), e.Outcome, e.Message,
		e.ClientAddr, e.RequestID, e.PrevHash, e.Hash, strconv.Itoa(e.HashVersion),
	}
	for i, v := range rec {
		rec[i] = spreadsheetSafe(v)
	}
	return rec, nil
}

// spreadsheetSafe keeps a spreadsheet from running a cell as a formula: an
// anonymous client chooses the user name of a failed login, and an auditor
// may open the CSV in a spreadsheet. Such cells get a leading apostrophe;
// the JSON Lines export keeps every value exactly as stored.
func spreadsheetSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
