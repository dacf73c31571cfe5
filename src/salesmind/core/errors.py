"""Exceptions a user can cause, each with a message that says what to fix.

The CLI turns a :class:`SalesmindError` into a clean message and its ``exit_code``;
the API turns it into a JSON error with ``http_status``. Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


class SalesmindError(Exception):
    """Base class for errors caused by input, configuration or permissions."""

    exit_code: int = 1
    http_status: int = 400

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description of the error."""
        return {"error": type(self).__name__, "message": str(self)}


class UserInputError(SalesmindError):
    """A value, file or option given by the user cannot be used."""

    exit_code = 2
    http_status = 422


class ConfigError(SalesmindError):
    """A setting is missing or invalid."""

    exit_code = 3
    http_status = 500


class NotFound(SalesmindError):
    """A requested record does not exist (or is not visible to the caller)."""

    exit_code = 4
    http_status = 404


class PermissionDenied(SalesmindError):
    """The caller is not allowed to do this."""

    exit_code = 5
    http_status = 403


class AuthenticationFailed(SalesmindError):
    """Credentials are missing or wrong."""

    exit_code = 5
    http_status = 401


class NotFittedError(ValueError, AttributeError):
    """A model was used before ``fit`` was called."""


@dataclass(frozen=True)
class RowIssue:
    """One problem found in one cell (or row) of an input file."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" column {self.column!r}"
        shown = "" if self.value is None else f" value {self.value[:60]!r}:"
        return f"{where}:{shown} {self.reason}"


class ValidationFailed(UserInputError):
    """Input had problems; nothing was written. ``issues`` lists each one."""

    def __init__(self, message: str, issues: list[RowIssue] | None = None) -> None:
        super().__init__(message)
        self.issues: list[RowIssue] = list(issues or [])

    def to_dict(self) -> dict[str, Any]:
        """Return the message and every row-level issue."""
        out = super().to_dict()
        out["issues"] = [asdict(i) for i in self.issues]
        return out

    def __str__(self) -> str:
        head = super().__str__()
        if not self.issues:
            return head
        shown = "\n".join(f"  - {i}" for i in self.issues[:20])
        more = len(self.issues) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"{head}\n{shown}{tail}"
