// Package clientaddr says which client addresses count as one client, for limits kept per client.
package clientaddr
