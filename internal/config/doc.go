// Package config reads the console's settings from flags and STRATA_* environment variables.
package config
