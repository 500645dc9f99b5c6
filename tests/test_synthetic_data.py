"""`generate_synthetic_data`: the requested counts, valid data, the same data for the same seed."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction

from options import models

pytestmark = pytest.mark.django_db

SMALL = {"topics": 3, "stakeholders": 40, "options": 9, "positions": 500}


def generate(seed: int, **counts) -> str:
    out = io.StringIO()
    call_command("generate_synthetic_data", seed=seed, stdout=out, **{**SMALL, **counts})
    return out.getvalue()


def positions_of_seed(seed: int) -> list[tuple]:
    return list(
        models.Position.objects.filter(stakeholder__slug__startswith=f"syn{seed}-")
        .order_by("stakeholder__slug", "option__slug", "as_of", "basis")
        .values_list(
            "stakeholder__slug", "option__slug", "source__slug", "stance", "basis", "as_of"
        )
    )


def test_creates_the_requested_counts():
    output = generate(seed=1)

    assert models.Topic.objects.count() == 3
    assert models.Stakeholder.objects.count() == 40
    assert models.PolicyOption.objects.count() == 9
    assert models.Position.objects.count() == 500
    assert models.Event.objects.exists() and models.Influence.objects.exists()
    assert models.Affiliation.objects.exists() and models.Source.objects.exists()
    assert "a second" in output


def test_every_basis_and_stance_occurs_and_histories_change():
    generate(seed=1)

    assert set(models.Position.objects.values_list("basis", flat=True)) == {
        "stated",
        "reported",
        "expected",
        "revealed",
    }
    assert set(models.Position.objects.values_list("stance", flat=True)) == {-2, -1, 0, 1, 2}
    pairs = models.Position.objects.values_list("stakeholder", "option").distinct().count()
    assert pairs < 500  # several positions per stakeholder × option, over time


def test_the_data_is_valid():
    generate(seed=1)

    # Positions are inserted without the ORM: check a sample as the admin and the API would.
    for position in models.Position.objects.order_by("?")[:50]:
        position.full_clean()
        assert position.created is not None and position.option.topic_id
    for model in (models.Affiliation, models.Influence, models.Event, models.Stakeholder):
        for obj in model.objects.all()[:20]:
            try:
                obj.full_clean()
            except ValidationError as error:  # pragma: no cover - shows which object failed
                pytest.fail(f"{model.__name__} {obj}: {error}")


def test_the_same_seed_gives_the_same_data():
    with transaction.atomic():
        generate(seed=5)
        first = positions_of_seed(5)
        transaction.set_rollback(True)  # as if on another, empty database

    generate(seed=5)

    assert positions_of_seed(5) == first
    generate(seed=6)
    assert [row[3:] for row in positions_of_seed(6)] != [row[3:] for row in first]


def test_a_seed_already_generated_is_refused():
    generate(seed=7)
    with pytest.raises(CommandError, match="seed 7 exists already"):
        generate(seed=7)
    assert models.Topic.objects.count() == 3


def test_bad_counts_are_refused():
    with pytest.raises(CommandError):
        generate(seed=8, topics=4, options=2)
    assert not models.Topic.objects.exists()
