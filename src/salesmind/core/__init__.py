"""Shared foundations: settings, database engine and sessions, time, money and errors."""

from salesmind.core.errors import (
    ConfigError,
    NotFittedError,
    NotFound,
    PermissionDenied,
    RowIssue,
    SalesmindError,
    UserInputError,
    ValidationFailed,
)
from salesmind.core.settings import Settings

__all__ = [
    "ConfigError",
    "NotFittedError",
    "NotFound",
    "PermissionDenied",
    "RowIssue",
    "SalesmindError",
    "Settings",
    "UserInputError",
    "ValidationFailed",
]
