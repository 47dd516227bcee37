package templates

// View helpers for what backups and restores carry: tables a restore can
// name, and counts in words.

import "github.com/stratabackup/strata/internal/collection"

// choosableTables are the tables a restore of chosen tables can name: not
// an extension's configuration tables, which come with the extension.
func (w RestoreWizard) choosableTables() []collection.Table {
	var out []collection.Table
	for _, t := range w.Manifest.Tables {
		if !t.ExtensionConfig {
			out = append(out, t)
		}
	}
	return out
}

// countNoun is n with the noun in its number: "1 warning", "3 warnings".
func countNoun(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return Count(n) + " " + many
}
