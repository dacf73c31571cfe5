"""salesmind: open-source, self-hosted AI sales intelligence."""

__version__ = "0.1.0"
__all__ = ["__version__"]
