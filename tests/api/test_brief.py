"""Brief forms come from each record's own serializer (options/api/serializers/brief.py)."""

import pytest
from django.core.management import call_command

from options import models
from options.api.serializers import brief, resources

DECLARING = {
    models.Source: resources.SourceSerializer,
    models.Topic: resources.TopicSerializer,
    models.Stakeholder: resources.StakeholderSerializer,
    models.PolicyOption: resources.PolicyOptionSerializer,
}


@pytest.mark.parametrize("model", DECLARING, ids=lambda model: model.__name__)
def test_a_brief_form_keeps_fields_of_its_resource_and_a_display(model):
    serializer = DECLARING[model]
    brief_fields = serializer.Meta.brief_fields
    assert "display" in brief_fields
    assert set(brief_fields) - {"display"} <= set(serializer.Meta.fields)
    assert list(brief.brief_serializer(model)().fields) == list(brief_fields)


@pytest.mark.django_db
@pytest.mark.parametrize("model", DECLARING, ids=lambda model: model.__name__)
def test_display_is_what_the_record_calls_itself(model):
    """`brief_display` names the field that `__str__` returns, so that the brief form's
    `display` reads one column and says what the admin and the pages say."""
    call_command("load_seed", verbosity=0)
    records = list(model.objects.all())
    assert records
    display = DECLARING[model].Meta.brief_display
    assert [str(record) for record in records] == [getattr(record, display) for record in records]


@pytest.mark.parametrize("model", DECLARING, ids=lambda model: model.__name__)
def test_a_brief_form_reads_only_its_columns(model):
    columns = brief.brief_columns(model)
    assert columns == {"id", DECLARING[model].Meta.brief_display} | (
        {"slug", "kind"} & set(DECLARING[model].Meta.brief_fields)
    )


def test_a_model_without_a_declared_brief_form_says_so():
    with pytest.raises(LookupError, match="No serializer declares a brief form of Position"):
        brief.brief_serializer(models.Position)
