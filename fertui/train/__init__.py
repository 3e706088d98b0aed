"""The built-in FER trainer, run as a job: ``python -m fertui.train [--resume]``.

It reads ``$FERTUI_RUN_DIR/config.toml`` and reports only through :mod:`fertui.report`
and the run folder (events.jsonl, checkpoints/, artifacts/). Importing this package is
cheap; torch is imported by the modules that need it.
"""
