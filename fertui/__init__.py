"""fertui: a terminal experiment manager for facial expression recognition research."""

__version__ = "0.1.0"
