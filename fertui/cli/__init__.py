"""The command line. Only this package (and tui/) knows about Typer."""
