"""Field types shared by every schema: safe text, exact money, UTC times, pages, partial updates."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from decimal import Decimal
import types
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from salesmind.core.money import CENT

T = TypeVar("T")
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL


def _clean_text(value: str | None) -> str | None:
    """Refuse text a database cannot store (NUL bytes, lone surrogates)."""
    if value is None:
        return value
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "text must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("text_encoding", "text must be valid Unicode") from None
    return value


def _utc(value: datetime) -> datetime:
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "time is out of range once converted to UTC") from None


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def text(max_length: int, min_length: int = 0) -> Any:
    """A string type of at most ``max_length`` characters, safe to store."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length), AfterValidator(_clean_text)]


SafeText = Annotated[str, AfterValidator(_clean_text)]
Name = text(255, 1)
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, examples=["12500.00"]),
                   AfterValidator(_cents)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2), AfterValidator(_cents)]
Count = Annotated[int, Field(ge=0, le=MAX_ID)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
UtcTime = Annotated[datetime, AfterValidator(_utc), Field(description="ISO-8601 with a time zone")]
JsonValue = Annotated[str, Field(max_length=2000), AfterValidator(_clean_text)] | int | bool | None
FormAnswers = dict[text(200), JsonValue]


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, and how many there are in all."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Input(BaseModel):
    """Base of every request schema: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Public(BaseModel):
    """Base of every response schema: read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


def partial(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The same fields as ``model``, each optional; an explicit null is refused where the type forbids it."""
    fields: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        optional.default_factory = None
        fields[field_name] = (info.annotation, optional)
    return create_model(name, __base__=Input, __doc__="Fields to change; the others stay.", **fields)


def _loose(annotation: Any) -> Any:
    """``annotation`` without its constraints (``Annotated[str, max 5] | None`` becomes ``str | None``)."""
    if get_origin(annotation) is Annotated:
        return _loose(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return Union[tuple(_loose(a) for a in get_args(annotation))]  # type: ignore[return-value]
    return annotation


RECORD_FIELDS: dict[str, Any] = {"id": (int, ...), "created_at": (datetime, ...), "updated_at": (datetime, ...)}


def public(model: type[BaseModel], name: str, doc: str, **extra: Any) -> type[BaseModel]:
    """A response schema with ``model``'s fields, unconstrained: stored data is shown as it is."""
    fields = {n: (_loose(info.annotation), None) for n, info in model.model_fields.items()}
    return create_model(name, __base__=Public, __doc__=doc, **fields, **(extra or RECORD_FIELDS))
