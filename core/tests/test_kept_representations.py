"""``core.api.serializers.KeptRepresentations``: rows represented once per key, bounded in number and age."""

from __future__ import annotations

from rest_framework import serializers

from core.api import serializers as api_serializers
from core.api.serializers import KeptRepresentations


class Row(serializers.Serializer):
    name = serializers.CharField()


class Counting(Row):
    made = 0

    def to_representation(self, instance):  # type: ignore[no-untyped-def]
        Counting.made += 1
        return super().to_representation(instance)


def _row(name: str) -> dict[str, str]:
    return {"name": name}


def test_a_key_seen_is_served_and_a_none_key_is_represented_every_time():
    kept, Counting.made = KeptRepresentations(10, seconds=60), 0
    rows = [_row("a"), _row("b")]

    first = kept.of(Counting(), rows, key=lambda row: row["name"])
    again = kept.of(Counting(), rows, key=lambda row: row["name"])
    kept.of(Counting(), rows, key=lambda row: None)

    assert first == again == [{"name": "a"}, {"name": "b"}]
    assert Counting.made == 4  # two, then none, then two again (not kept)


def test_the_least_recently_used_go_first_past_the_size():
    kept, Counting.made = KeptRepresentations(2, seconds=60), 0
    kept.of(Counting(), [_row("a"), _row("b")], key=lambda row: row["name"])
    kept.of(Counting(), [_row("a")], key=lambda row: row["name"])  # a is the most recent now
    kept.of(Counting(), [_row("c")], key=lambda row: row["name"])  # b goes
    Counting.made = 0

    kept.of(Counting(), [_row("a"), _row("c"), _row("b")], key=lambda row: row["name"])

    assert Counting.made == 1  # only b again


def test_an_entry_is_represented_again_once_its_seconds_are_past(monkeypatch):
    kept, Counting.made = KeptRepresentations(10, seconds=60), 0
    clock = [1000.0]
    monkeypatch.setattr(api_serializers.time, "monotonic", lambda: clock[0])
    kept.of(Counting(), [_row("a")], key=lambda row: row["name"])
    clock[0] += 59
    kept.of(Counting(), [_row("a")], key=lambda row: row["name"])
    assert Counting.made == 1

    clock[0] += 2
    kept.of(Counting(), [_row("a")], key=lambda row: row["name"])

    assert Counting.made == 2
