"""Serializer plumbing shared by the apps' APIs."""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from operator import attrgetter
from types import MethodType
from typing import Any, NoReturn, TypeVar

from django_countries.serializer_fields import CountryField
from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

from core import memo
from core.api.exceptions import field_messages
from core.exceptions import DomainError, Invalid

# Fields whose representation of a non-null value is a plain conversion (DRF's own
# to_representation does exactly this); exact classes only, a subclass may do more.
_PLAIN: dict[type, Any] = {fields.IntegerField: int, fields.CharField: str}

Plan = list[tuple[str, Any, Any]]


def _compile(serializer: serializers.Serializer) -> Plan:
    """Per readable field: its name, how to read its source, how to represent a non-null value."""
    return _compile_fields(serializer._readable_fields)


def _compile_fields(readable: Iterable[fields.Field]) -> Plan:
    plan: Plan = []
    for field in readable:
        name, attrs = str(field.field_name), field.source_attrs
        read = (lambda instance: instance) if not attrs else attrgetter(".".join(attrs))
        if isinstance(field, relations.RelatedField | relations.ManyRelatedField):
            # DRF reads a related id without loading the object (PKOnlyObject): keep its reading.
            plan.append((name, _related_reader(field), field.to_representation))
            continue
        if isinstance(field, serializers.ListSerializer) or not isinstance(field, serializers.Serializer):
            convert = _PLAIN.get(type(field), field.to_representation)
        elif type(field).to_representation is serializers.Serializer.to_representation:
            convert = _nested(_compile(field))
        else:
            convert = field.to_representation
        plan.append((name, read, convert))
    return plan


def _related_reader(field: Any) -> Any:
    def read(instance: Any) -> Any:
        value = field.get_attribute(instance)
        return None if isinstance(value, relations.PKOnlyObject) and value.pk is None else value

    return read


def _nested(plan: Plan) -> Any:
    return lambda instance: _represent(plan, instance)


def _represent(plan: Plan, instance: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, read, convert in plan:
        value = read(instance)
        if type(value) is MethodType:  # DRF calls a method named as a source
            value = value()
        data[name] = None if value is None else convert(value)
    return data


# Fields whose ``to_representation`` reads nothing but the field's own arguments (never the
# context, the parent or the request), exact classes only: one bound instance serves every request.
_SHAREABLE: frozenset[type] = frozenset(
    {
        fields.BigIntegerField,  # type: ignore[attr-defined]  # newer than the stubs
        fields.BooleanField,
        fields.CharField,
        fields.ChoiceField,
        fields.DateField,
        fields.DateTimeField,
        fields.DecimalField,
        fields.EmailField,
        fields.FloatField,
        fields.IntegerField,
        fields.JSONField,
        fields.ReadOnlyField,
        fields.SlugField,
        fields.URLField,
        fields.UUIDField,
        CountryField,
    }
)


def _shareable(field: fields.Field) -> bool:
    """True when ``field`` renders the same for every request (see :data:`_SHAREABLE`)."""
    if type(field) in (fields.ListField, fields.DictField):
        return _shareable(field.child)  # type: ignore[attr-defined]
    if type(field) in _SHAREABLE:
        return True
    # A nested serializer inlined by the plan, whose own fields are all shareable.
    return (
        isinstance(field, serializers.Serializer)
        and _fields_are_per_class(type(field))
        and type(field).to_representation is serializers.Serializer.to_representation
        and all(_shareable(child) for child in field._readable_fields)
    )


def _fields_are_per_class(cls: type[serializers.Serializer]) -> bool:
    """True when ``cls`` builds its fields from its class alone (DRF's own ``__init__`` and ``get_fields``)."""
    return (
        cls.__init__ is serializers.BaseSerializer.__init__  # type: ignore[misc]
        and cls.get_fields in (serializers.Serializer.get_fields, serializers.ModelSerializer.get_fields)
        and cls.fields is serializers.Serializer.fields
    )


# Per serializer class: its plan, with the fields that depend on the request left out (see _Shared).
_PLANS: dict[type, _Shared] = {}


class _Shared:
    """A class's plan built once from a prototype serializer: fields every request can share are
    compiled for good; the others (a method field, a nested list, anything not known to be
    context-free) are named, and each serializer binds its own copy of them."""

    def __init__(self, cls: type[serializers.Serializer]) -> None:
        self.prototype = cls(context={})
        self.entries: list[tuple[str, Any, Any] | str] = []
        for field in self.prototype._readable_fields:
            if _shareable(field):
                self.entries.extend(_compile_fields([field]))
            else:
                self.entries.append(str(field.field_name))

    def plan(self, serializer: serializers.Serializer) -> Plan:
        if all(isinstance(entry, tuple) for entry in self.entries):
            return self.entries  # type: ignore[return-value]
        own: dict[str, fields.Field] = {}
        for entry in self.entries:
            if isinstance(entry, str):
                field = copy.deepcopy(self.prototype.fields[entry])
                field.bind(entry, serializer)
                own[entry] = field
        return [entry if isinstance(entry, tuple) else _compile_fields([own[entry]])[0] for entry in self.entries]


class CompiledRepresentation(serializers.Serializer):
    """Output without DRF's per-field dispatch, for serializers that render long lists.

    DRF reads every field of every row through ``get_attribute`` and
    ``to_representation`` and rebuilds nested serializers' dispatch per row: half
    of a 25-task API page's time (docs/benchmarks.md). This reads each source
    with an ``attrgetter`` compiled once per serializer, converts integers and
    strings directly, and inlines nested plain serializers; every other field
    keeps its own ``to_representation``, so the output is DRF's, key for key
    (``marketplace/tests/test_api_representation.py`` compares the two). Sources that are
    methods are called, as DRF does; a source that cannot be read falls back to
    DRF's handling (defaults, skipped fields).

    A class that builds its fields from the class alone (DRF's ``__init__`` and
    ``get_fields``) compiles its plan once per process: DRF's building of a
    ModelSerializer's fields happens for a prototype only (a 25-task page:
    2.7 -> 1.4 ms in-process, the "tried and rejected" deep copy of every field
    per request avoided). Fields that may read the request (a method field, a nested
    list serializer, any field not known to be context-free) are copied from the
    prototype and bound to each serializer, as DRF would have built them.
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_compiled_plan")
        if plan is None:
            plan = self.__dict__["_compiled_plan"] = self._compiled_plan()
        try:
            return _represent(plan, instance)
        except (AttributeError, KeyError, SkipField):
            return super().to_representation(instance)

    def _compiled_plan(self) -> Plan:
        cls = type(self)
        if not _fields_are_per_class(cls):
            return _compile(self)
        shared = _PLANS.get(cls)
        if shared is None:
            shared = _PLANS[cls] = _Shared(cls)
        return shared.plan(self)


class FieldsBuiltOnce(serializers.Serializer):
    """A query string's serializer whose fields are built once per process, not once per request.

    DRF deep-copies every declared field for each serializer instance, and a
    copied choice field rebuilds its choice tables: the task search's filters (a
    country among 250, a currency, a sort) spent about a millisecond of every API
    search doing so. Here the fields are copied deeply once per class, and each
    instance binds shallow copies of them (binding sets only the copy's own name,
    label and parent). For serializers of input that read nothing of the context,
    the instance or ``partial``: a list field's child stays bound to the list field
    built once, so it sees none of them.
    """

    def get_fields(self) -> dict[str, fields.Field]:
        cls = type(self)
        built = _FIELDS_BUILT.get(cls)
        if built is None:
            built = _FIELDS_BUILT[cls] = super().get_fields()
        return {name: copy.copy(field) for name, field in built.items()}


_FIELDS_BUILT: dict[type, dict[str, fields.Field]] = {}


class KeptRepresentations:
    """Each instance's representation, kept in this process under a key of everything it shows.

    A long list serialized for every request (the API's task search) spends most
    of its Python on representing rows that have not changed since the last
    request. ``key(instance)`` names all that the representation reads, as the
    view loaded it (a row as last saved, its related rows' values, the request's
    host and time zone); a change to any of it is another key, so nothing is
    invalidated and nothing is stale. ``key`` returns ``None`` for an instance
    that must be represented every time (one showing the viewer's private
    fields). Kept in memory, least recently used first out, ``size`` at most and
    ``seconds`` each at most (as the pages' kept content is, so a write the key
    does not see, such as a bulk update or a data migration, shows within that):
    no round trip to the cache, and each process warms its own. The dicts
    handed out are shared between requests: callers render them, never change them.
    """

    def __init__(self, size: int, *, seconds: float) -> None:
        self.size, self.seconds = size, seconds
        self._kept: OrderedDict[Hashable, tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        memo.remember(self)  # tests clear it with the memos

    def of(
        self,
        serializer: serializers.Serializer,
        instances: Sequence[Any],
        *,
        key: Callable[[Any], Hashable | None],
    ) -> list[dict[str, Any]]:
        """``serializer.to_representation`` of each instance, from memory where its key was seen."""
        found: list[dict[str, Any]] = []
        now = time.monotonic()
        for instance in instances:
            name = key(instance)
            data = None
            with self._lock:
                kept = None if name is None else self._kept.get(name)
                if kept is not None and kept[0] > now:
                    data = kept[1]
                    self._kept.move_to_end(name)
            if data is None:
                data = serializer.to_representation(instance)
                if name is not None:
                    with self._lock:
                        self._kept[name] = (now + self.seconds, data)
                        self._kept.move_to_end(name)
                        while len(self._kept) > self.size:
                            self._kept.popitem(last=False)
            found.append(data)
        return found

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


# --- every problem of a request in one answer ------------------------------------------------


def refuse_with_rules(
    serializer: serializers.Serializer, rules: Callable[[dict[str, Any], set[str]], None]
) -> NoReturn:
    """After ``serializer.is_valid()`` failed: raise one 400 naming what could not be read *and* what broke a rule.

    ``rules(values, unreadable)`` is called with the fields that could be read
    (validated as though the others had been left out) and the names of those
    that could not; it raises the service's ``DomainError`` naming every rule
    the request breaks. A field that could not be read keeps its own
    message: the rules saw it as missing and would only say so in other words.
    A body that is not an object at all is refused as it is.
    """
    unreadable = field_messages(serializer.errors)
    data = serializer.initial_data
    if api_settings.NON_FIELD_ERRORS_KEY in unreadable or not hasattr(data, "keys"):
        raise serializers.ValidationError(serializer.errors)
    pruned = data.copy() if hasattr(data, "copy") else dict(data)
    for name in serializer.errors:
        pruned.pop(name, None)
    readable = type(serializer)(data=pruned, partial=True)
    values = dict(readable.validated_data) if readable.is_valid() else {}
    errors = dict(unreadable)
    try:
        rules(values, set(serializer.errors))
    except DomainError as refused:
        for name, messages in refused.field_errors.items():
            if name not in serializer.errors:
                errors.setdefault(name, []).extend(messages)
    raise Invalid(errors)


Terms = TypeVar("Terms")


def read_or_refuse(
    serializer: serializers.Serializer,
    *,
    to_input: Callable[[dict[str, Any], Terms | None], Terms],
    check: Callable[[Terms], None],
    blank: Terms,
    base: Terms | None = None,
    names: Mapping[str, str] | None = None,
) -> Terms:
    """A write's terms as a service's input dataclass, or one 400 naming every problem (``refuse_with_rules``).

    ``to_input(values, base)`` builds the input (``base``: an edit's current
    terms); ``check`` is the service's rule check; ``blank`` an empty input,
    whose values stand in for the fields that could not be read, so an edit
    does not judge their old values in their place. ``names`` maps a request
    field to the input's attribute where they differ.
    """
    if serializer.is_valid():
        return to_input(serializer.validated_data, base)

    def rules(values: dict[str, Any], unreadable: set[str]) -> None:
        terms = dataclasses.replace(base if base is not None else blank)  # type: ignore[type-var]
        for name in unreadable:
            attribute = (names or {}).get(name, name)
            if hasattr(blank, attribute):
                setattr(terms, attribute, getattr(blank, attribute))
        check(to_input(values, terms))

    refuse_with_rules(serializer, rules)
