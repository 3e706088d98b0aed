"""The Textual console (``fertui`` with no command). Only this package imports Textual."""
