"""The query-parameter serializers' shallow field copies: each instance binds its own."""

import threading

from django.http import QueryDict
from rest_framework import serializers

from vchata_social.api import QueryParametersSerializer


class Window(QueryParametersSerializer):
    kind = serializers.ChoiceField(choices=["daily", "weekly"], required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=10)


def test_each_instance_binds_its_own_fields_never_the_declared_ones():
    first, second = Window(data={}), Window(data={})

    assert first.fields["kind"] is not second.fields["kind"]
    assert first.fields["kind"].parent is first
    assert second.fields["kind"].parent is second
    assert Window._declared_fields["kind"].parent is None


def test_instances_validating_at_once_keep_their_own_answers_and_errors():
    outcomes = {}

    def validate(name: str, query: str) -> None:
        for _ in range(200):
            parameters = Window(data=QueryDict(query))
            parameters.is_valid()
            outcomes.setdefault(name, set()).add(
                (tuple(parameters.validated_data.items()), tuple(parameters.errors))
            )

    threads = [
        threading.Thread(target=validate, args=("valid", "kind=weekly&limit=3")),
        threading.Thread(target=validate, args=("invalid", "kind=hourly&limit=30")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == {
        "valid": {((("kind", "weekly"), ("limit", 3)), ())},
        "invalid": {((), ("kind", "limit"))},
    }
