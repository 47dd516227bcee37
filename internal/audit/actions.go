package audit

// What an entry records, by the noun it acts on. docs/api.md lists them
// all for API users (a test keeps it so).
const (
	ActionSetupCompleted = "SETUP_COMPLETED"
	ActionLogin          = "LOGIN"
	ActionLoginFailed    = "LOGIN_FAILED"
	ActionLogout         = "LOGOUT"
	ActionAccessDenied   = "ACCESS_DENIED"
	ActionAPIAuthFailed  = "API_AUTH_FAILED"
	ActionCSRFRejected   = "CSRF_REJECTED"
	// ActionRefusalsSuppressed stands for the refusals of one client that
	// were counted rather than appended (see Refusals).
	ActionRefusalsSuppressed = "REFUSALS_SUPPRESSED"

	ActionUserCreated       = "USER_CREATED"
	ActionUserRoleChanged   = "USER_ROLE_CHANGED"
	ActionUserDisabled      = "USER_DISABLED"
	ActionUserEnabled       = "USER_ENABLED"
	ActionUserPasswordReset = "USER_PASSWORD_RESET"
	ActionAPIKeyCreated     = "APIKEY_CREATED"
	ActionAPIKeyRevoked     = "APIKEY_REVOKED"

	ActionClusterAdded           = "CLUSTER_ADDED"
	ActionClusterRemoved         = "CLUSTER_REMOVED"
	ActionReplicaIdentityChanged = "REPLICA_IDENTITY_CHANGED"
	ActionManagedBackupsSetUp    = "MANAGED_BACKUPS_SET_UP"
	ActionManagedBackupsChanged  = "MANAGED_BACKUPS_CHANGED"
	ActionCollectionAdded        = "COLLECTION_ADDED"
	ActionCollectionRemoved      = "COLLECTION_REMOVED"
	ActionRetentionChanged       = "RETENTION_CHANGED"
	ActionChainRemoved           = "CHAIN_REMOVED"
	ActionBackupExpired          = "BACKUP_EXPIRED"

	ActionBackupStarted  = "BACKUP_STARTED"
	ActionRestoreStarted = "RESTORE_STARTED"
	ActionJobPause       = "JOB_PAUSE"
	ActionJobResume      = "JOB_RESUME"
	ActionJobCancel      = "JOB_CANCEL"

	ActionScheduleCreated    = "SCHEDULE_CREATED"
	ActionScheduleUpdated    = "SCHEDULE_UPDATED"
	ActionSchedulePaused     = "SCHEDULE_PAUSED"
	ActionScheduleResumed    = "SCHEDULE_RESUMED"
	ActionScheduleRun        = "SCHEDULE_RUN"
	ActionScheduleDuplicated = "SCHEDULE_DUPLICATED"
	ActionScheduleDropped    = "SCHEDULE_DROPPED"
	ActionWebhookTested      = "WEBHOOK_TESTED"

	// ActionTriggersRestored is the entry RestoreTriggers appends.
	ActionTriggersRestored = "AUDIT_TRIGGERS_RESTORED"
)

// Actions lists every action, in the order above.
var Actions = []string{
	ActionSetupCompleted, ActionLogin, ActionLoginFailed, ActionLogout, ActionAccessDenied, ActionAPIAuthFailed, ActionCSRFRejected, ActionRefusalsSuppressed,
	ActionUserCreated, ActionUserRoleChanged, ActionUserDisabled, ActionUserEnabled, ActionUserPasswordReset, ActionAPIKeyCreated, ActionAPIKeyRevoked,
	ActionClusterAdded, ActionClusterRemoved, ActionReplicaIdentityChanged, ActionManagedBackupsSetUp, ActionManagedBackupsChanged,
	ActionCollectionAdded, ActionCollectionRemoved, ActionRetentionChanged, ActionChainRemoved, ActionBackupExpired,
	ActionBackupStarted, ActionRestoreStarted, ActionJobPause, ActionJobResume, ActionJobCancel,
	ActionScheduleCreated, ActionScheduleUpdated, ActionSchedulePaused, ActionScheduleResumed, ActionScheduleRun, ActionScheduleDuplicated, ActionScheduleDropped, ActionWebhookTested,
	ActionTriggersRestored,
}
