"""``core.api.serializers.FieldsBuiltOnce``: a query string's fields built once, bound per serializer."""

from __future__ import annotations

from rest_framework import serializers

from core.api.serializers import FieldsBuiltOnce


class Params(FieldsBuiltOnce):
    country = serializers.ChoiceField(choices=[("DE", "Germany"), ("FR", "France")], required=False)
    size = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)
    skills = serializers.ListField(child=serializers.CharField(max_length=5), required=False, max_length=2)


def test_each_serializer_binds_its_own_fields_built_once():
    first, second = Params(data={}), Params(data={})

    assert first.fields["country"] is not second.fields["country"]
    assert first.fields["country"].parent is first
    assert second.fields["country"].parent is second
    # The choice tables are built once, not per request.
    assert first.fields["country"].choice_strings_to_values is second.fields["country"].choice_strings_to_values


def test_validation_is_drfs_and_one_request_leaves_nothing_to_the_next():
    refused = Params(data={"country": "XX", "size": "1000", "skills": ["python", "a", "b"]})
    assert not refused.is_valid()
    assert set(refused.errors) == {"country", "size", "skills"}

    accepted = Params(data={"country": "FR", "skills": ["go"]})
    assert accepted.is_valid(), accepted.errors
    assert accepted.validated_data == {"country": "FR", "size": 20, "skills": ["go"]}
