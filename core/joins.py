"""Hand-written joins read into model instances, for the few hot reads where the ORM costs more than the query.

Building and compiling a queryset with ``select_related`` costs the ORM about a
millisecond of Python per call; PostgreSQL answers the API token's four-table
join in 0.1 ms, and a page of 25 tasks with their categories and organizations
in 0.8 ms. A read that runs on every request writes its SQL once per process
with :class:`Columns` (the column list and the model instances of one table in
the join, from the model's own fields, so a new field needs no edit) and reads
its rows with :func:`instances`: the same instances the ORM would load, its
database converters applied. Only table and column names are ever put into the
SQL; every value stays a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


@dataclass(frozen=True)
class Columns:
    """One table of a join: its alias, the fields selected (in order) and how to make an instance of them."""

    model: type[Model]
    alias: str
    attnames: tuple[str, ...]
    sql: str  # "alias"."column", ... for the SELECT list
    pk_index: int
    # (index, column expression, converters) of the fields whose database values need converting.
    conversions: tuple[tuple[int, Any, tuple[Any, ...]], ...]
    # The attnames whose class attribute intercepts assignment (a country field cleans its value, a
    # foreign key's id drops a cached object): set through it, as Model.__init__ does. None: the model
    # is built by its own from_db (it has init signals' receivers, or its own __init__ or from_db).
    guarded: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        model: type[Model],
        alias: str,
        *,
        database: str,
        leave_out: Iterable[str] = (),
        only: Iterable[str] | None = None,
    ) -> Columns:
        """Every concrete field of ``model`` but ``leave_out``, or (as ``only()`` does) just the primary key
        and ``only``; the others are deferred on the instances."""
        connection = connections[database]
        quote = connection.ops.quote_name
        left_out, kept = set(leave_out), None if only is None else set(only)
        fields = [
            field
            for field in model._meta.concrete_fields
            if field.name not in left_out and (kept is None or field.primary_key or field.name in kept)
        ]
        conversions = []
        for index, field in enumerate(fields):
            expression = field.get_col(alias)
            own = field.get_db_converters(connection)  # type: ignore[attr-defined]  # missing from the stubs
            converters = (*connection.ops.get_db_converters(expression), *own)
            if converters:
                conversions.append((index, expression, converters))
        attnames = tuple(field.attname for field in fields)
        return cls(
            model=model,
            alias=alias,
            attnames=attnames,
            sql=", ".join(f"{quote(alias)}.{quote(field.column)}" for field in fields),
            pk_index=fields.index(model._meta.pk),  # type: ignore[arg-type]
            conversions=tuple(conversions),
            guarded=_guarded(model, attnames),
        )

    def instance(self, values: list[Any], database: str) -> Any:
        """The instance of these values, or None when its primary key is null (an outer join found no row)."""
        if values[self.pk_index] is None:
            return None
        for index, expression, converters in self.conversions:
            connection = connections[database]
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        if self.guarded is None or pre_init.has_listeners(self.model) or post_init.has_listeners(self.model):
            return self.model.from_db(database, list(self.attnames), values)
        # What Model.from_db and Model.__init__ do for a row, without their per-field dispatch: the
        # values go straight into the instance's __dict__ but through the attributes that guard them.
        found = self.model.__new__(self.model)
        state = found._state = ModelState()
        state.adding, state.db = False, database
        found.__dict__.update(zip(self.attnames, values, strict=True))
        for name in self.guarded:
            setattr(found, name, found.__dict__[name])
        return found


def _guarded(model: type[Model], attnames: Iterable[str]) -> frozenset[str] | None:
    """The attnames of ``model`` whose class attribute defines ``__set__``; None when the model builds
    its instances its own way (an ``__init__`` or ``from_db`` of its own)."""
    if model.__init__ is not Model.__init__ or model.from_db.__func__ is not Model.from_db.__func__:  # type: ignore[attr-defined,misc]
        return None
    return frozenset(name for name in attnames if hasattr(type(getattr(model, name, None)), "__set__"))


def tables_of(database: str, *tables: tuple[type[Model], str]) -> tuple[Columns, ...]:
    """:meth:`Columns.of` for each ``(model, alias)`` of a join, every field selected."""
    return tuple(Columns.of(model, alias, database=database) for model, alias in tables)


def select_list(tables: Sequence[Columns]) -> str:
    """The SELECT list of ``tables``' columns, in the order :func:`instances` reads them."""
    return ", ".join(table.sql for table in tables)


def instances(tables: Sequence[Columns], row: Sequence[Any], database: str) -> list[Any]:
    """One instance (or None) per table, from its slice of ``row`` (selected in the order of ``tables``)."""
    found: list[Any] = []
    start = 0
    for table in tables:
        end = start + len(table.attnames)
        found.append(table.instance(list(row[start:end]), database))
        start = end
    return found


#: Field values a key holds as they are; any other (a file, a country) is held as its text.
_KEY_TYPES = (str, int, float, Decimal, datetime, date, time, timedelta, UUID, list, dict, tuple, type(None))


def values(instance: Model) -> tuple[Any, ...]:
    """The instance's loaded field values in field order (deferred ones left out), for a cache key of
    what a page shows of it: every value has a stable ``repr``."""
    loaded = instance.__dict__
    found = []
    for field in instance._meta.concrete_fields:
        if field.attname in loaded:
            value = loaded[field.attname]
            found.append(value if isinstance(value, _KEY_TYPES) else str(value))
    return tuple(found)


def relate(instance: Model, name: str, related: Model | None) -> None:
    """Set ``instance``'s foreign key ``name`` to ``related`` as ``select_related`` does (no query on access)."""
    instance._meta.get_field(name).set_cached_value(instance, related)  # type: ignore[union-attr]


def table(model: type[Model], database: str) -> str:
    return connections[database].ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str, database: str) -> str:
    return connections[database].ops.quote_name(model._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]
