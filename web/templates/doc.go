// Package templates renders Strata's pages and htmx fragments from view models.
//
// A .templ file holds markup only; the view models and helpers it calls
// are in the .go file of the same name (audit.templ, audit.go), and its
// first line says where. Formatters every page shares are in format.go,
// the links pages make in paths.go, and the point-in-time timeline's
// geometry in timeline.go. The _templ.go files are generated: run
// go tool templ generate from the repository root after changing a .templ
// file, and commit the result. The line before each .templ file's package
// clause stays apart from it by a blank line, so that templ's version
// comment does not become this package's documentation.
package templates
