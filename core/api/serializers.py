"""Serializer plumbing shared by the apps' APIs."""

from __future__ import annotations

from operator import attrgetter
from types import MethodType
from typing import Any

from rest_framework import fields, relations, serializers
from rest_framework.fields import SkipField

# Fields whose representation of a non-null value is a plain conversion (DRF's own
# to_representation does exactly this); exact classes only, a subclass may do more.
_PLAIN: dict[type, Any] = {fields.IntegerField: int, fields.CharField: str}

Plan = list[tuple[str, Any, Any]]


def _compile(serializer: serializers.Serializer) -> Plan:
    """Per readable field: its name, how to read its source, how to represent a non-null value."""
    plan: Plan = []
    for field in serializer._readable_fields:
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


class CompiledRepresentation(serializers.Serializer):
    """Output without DRF's per-field dispatch, for serializers that render long lists.

    DRF reads every field of every row through ``get_attribute`` and
    ``to_representation`` and rebuilds nested serializers' dispatch per row: half
    of a 25-task API page's time (docs/benchmarks.md). This reads each source
    with an ``attrgetter`` compiled once per serializer, converts integers and
    strings directly, and inlines nested plain serializers; every other field
    keeps its own ``to_representation``, so the output is DRF's, key for key
    (``core/tests/test_api_serializers.py`` compares the two). Sources that are
    methods are called, as DRF does; a source that cannot be read falls back to
    DRF's handling (defaults, skipped fields).
    """

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_compiled_plan")
        if plan is None:
            plan = self.__dict__["_compiled_plan"] = _compile(self)
        try:
            return _represent(plan, instance)
        except (AttributeError, KeyError, SkipField):
            return super().to_representation(instance)
