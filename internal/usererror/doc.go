// Package usererror marks errors whose message is written for the console's users.
package usererror
