// Package testutil holds helpers shared by tests: for tests that use real components (Chromium, PostgreSQL, object stores) instead of fakes, and for checking that what tests get back is fit to show users.
package testutil
