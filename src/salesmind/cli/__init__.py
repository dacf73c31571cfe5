"""The ``salesmind`` command line (Typer + Rich)."""
