package engine

// heldBackup is a paused backup's open snapshot, kept until resume or cancel.
type heldBackup struct{}
