package jobs

// For the tests, which are in package jobs_test so that they can use the
// SQLite store, which imports this package.
const InternalErrorMessage = internalErrorMessage

var ErrInterrupted = errInterrupted
