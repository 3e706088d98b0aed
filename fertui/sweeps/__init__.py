"""Sweeps: grids and searches over config keys, backed by Optuna studies, and what to make of them.

Modules: axes (value expressions), spec (SweepSpec), expand (cells -> run docs), study (the
Optuna study per sweep), lifecycle (scheduler hooks: report_epoch, run_finished), results,
board (pivot, isolation), compare, ranking + suggest, best (best-of: bases), references,
render (tables, md, csv, json), export (files and plots) and listing (`fertui sweeps`). Nothing here imports Optuna,
torch or matplotlib at import time.
"""
