"""The examples in the OpenAPI schema are what the server really answers on the seed data."""

import io
import json
import os

import pytest
from django.core.management import call_command

from options.api import examples

UPDATE = os.environ.get("UPDATE_API_EXAMPLES") == "1"


def without_timestamps(data):
    """The answer without `created` and `updated`, which are the time the seed was loaded."""
    if isinstance(data, dict):
        return {
            key: without_timestamps(value)
            for key, value in data.items()
            if key not in {"created", "updated"}
        }
    if isinstance(data, list):
        return [without_timestamps(item) for item in data]
    return data


# Fresh ids, as in the database `make run` creates. (The database is flushed afterwards: the
# `editor` fixture recreates the editors group for the tests that follow.)
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_the_schema_examples_are_the_seed_data_answers(api_client):
    call_command("load_seed", stdout=io.StringIO())

    for example in examples.ALL:
        response = api_client.get(example.request)
        assert response.status_code == 200, example.request
        body = json.loads(response.content.decode().replace("http://testserver", examples.SERVER))
        answer = body["results"][0] if example.first_item else body

        if UPDATE:
            text = json.dumps(answer, indent=2, ensure_ascii=False) + "\n"
            example.path.write_text(text, encoding="utf-8")
        else:
            stored = json.loads(example.path.read_text(encoding="utf-8"))
            assert without_timestamps(answer) == without_timestamps(stored), (
                f"{example.path.name} is stale: UPDATE_API_EXAMPLES=1 pytest {__file__}"
            )
