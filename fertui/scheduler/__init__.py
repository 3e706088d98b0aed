"""The queue's engine: slots, executors, the launch wrapper, ingest, the scheduler loop and daemon.

Kept import-light: the launch wrapper runs as ``python -m fertui.scheduler.wrapper`` for every
job, so nothing here may import the heavy parts of fertui (or anything outside the stdlib).
"""
