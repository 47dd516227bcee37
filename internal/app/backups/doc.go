// Package backups starts backups of registered clusters into registered collections and runs their jobs with the engine.
package backups
