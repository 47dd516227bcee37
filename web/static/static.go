package static

import "embed"

// FS holds everything under web/static except Go files: vendor/ (third-party
// assets, see README.md), css/, js/ and img/. Paths have no leading slash,
// for example "vendor/htmx.min.js".
//
//go:embed vendor css js img
var FS embed.FS
