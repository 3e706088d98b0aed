"""One screen a file; each reads the app's latest store state and never blocks on a job."""
