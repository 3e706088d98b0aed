"""The efficiency benchmark: throughput, time per step and peak memory per model and batch size.

``fertui bench MODEL...`` runs it in the terminal; ``python -m fertui.bench`` runs it as a
queued job that reads the ``[bench]`` config section and reports through :mod:`fertui.report`.
"""
