// Package auth manages users, roles, passwords, sessions and API keys.
package auth
