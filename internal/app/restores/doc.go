// Package restores offers what a collection can restore, starts restores to a layer or a moment, and runs their jobs with the engine.
package restores
