package templates

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
