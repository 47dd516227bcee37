// Package jobrun runs cluster work as jobs: a job's Control as a driver's Tracker, a driver's pause and cancel as the job's, and the refusal of work while a cluster's jobs are unfinished.
package jobrun
