"""The admin as editors use it: every page renders, fast, and refuses what the API refuses."""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from options import models
from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES = {
    models.Source: factories.SourceFactory,
    models.Topic: factories.TopicFactory,
    models.Stakeholder: factories.StakeholderFactory,
    models.Affiliation: factories.AffiliationFactory,
    models.PolicyOption: factories.PolicyOptionFactory,
    models.SanctionMeasure: factories.SanctionMeasureFactory,
    models.Position: factories.PositionFactory,
    models.PositionDispute: factories.PositionDisputeFactory,
    models.Event: factories.EventFactory,
    models.EventParticipant: factories.EventParticipantFactory,
    models.Influence: factories.InfluenceFactory,
}
MODELS = list(FACTORIES)


def admin_url(model, view, *args):
    return reverse(f"admin:options_{model._meta.model_name}_{view}", args=args)


def management_form(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# Live tracking's models: their admin is tested in tests/test_admin_tracking.py.
TRACKING = {models.ChangeEvent, models.Subscription, models.Delivery}


def test_every_model_is_registered():
    registered = {model for model in admin.site._registry if model._meta.app_label == "options"}
    assert registered == set(MODELS) | TRACKING


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_changelist_add_and_change_pages_render(admin_client, model):
    obj = FACTORIES[model]()

    changelist = admin_client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    assert str(obj) in changelist.content.decode()

    assert admin_client.get(admin_url(model, "add")).status_code == 200

    change = admin_client.get(admin_url(model, "change", obj.pk))
    assert change.status_code == 200
    assert change.context["original"] == obj

    searched = admin_client.get(admin_url(model, "changelist"), {"q": "no such thing anywhere"})
    assert searched.status_code == 200
    assert searched.context["cl"].result_count == 0


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.model_name)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, model, django_assert_max_num_queries
):
    FACTORIES[model]()
    with CaptureQueriesContext(connection) as one_row:
        assert admin_client.get(admin_url(model, "changelist")).status_code == 200

    FACTORIES[model].create_batch(29)
    # Same count for 30 rows as for one: list_select_related joins every column's relation.
    with django_assert_max_num_queries(len(one_row)):
        response = admin_client.get(admin_url(model, "changelist"))
    assert response.context["cl"].result_count == 30


@pytest.mark.parametrize(
    ("model", "fk_name"),
    [(models.Stakeholder, "stakeholder"), (models.PolicyOption, "option")],
)
def test_position_inlines_do_not_grow_with_positions(
    admin_client, model, fk_name, django_assert_max_num_queries
):
    parent = FACTORIES[model]()
    factories.PositionFactory(**{fk_name: parent})
    with CaptureQueriesContext(connection) as one_position:
        assert admin_client.get(admin_url(model, "change", parent.pk)).status_code == 200

    factories.PositionFactory.create_batch(29, **{fk_name: parent})
    # The positions inline is read-only: its rows are one joined query, whatever their number.
    with django_assert_max_num_queries(len(one_position)):
        response = admin_client.get(admin_url(model, "change", parent.pk))
    assert response.content.decode().count("/admin/options/position/") >= 30


def test_topic_changelist_links_the_topic_page(admin_client):
    factories.TopicFactory(slug="crisis")
    html = admin_client.get(admin_url(models.Topic, "changelist")).content.decode()
    assert 'href="/topics/crisis/"' in html


@pytest.fixture
def position_form():
    """What an editor fills in on the position add page."""
    option = factories.PolicyOptionFactory()
    return {
        "stakeholder": factories.StakeholderFactory().pk,
        "option": option.pk,
        "stance": "1",
        "basis": "stated",
        "as_of": "2019-04-30",
        "as_of_precision": "day",
        "confidence": "medium",
        "retracted_on": "",
        "retracted_precision": "day",
        "source": factories.SourceFactory().pk,
        "quote": "",
        **management_form("disputes"),
    }


def test_admin_creates_a_position(admin_client, position_form):
    response = admin_client.post(admin_url(models.Position, "add"), position_form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    position = models.Position.objects.get()
    assert (position.stance, position.basis, position.as_of) == (
        1,
        "stated",
        datetime.date(2019, 4, 30),
    )
    assert (position.retracted, position.retracted_on, position.retracted_precision) == (
        False,
        None,
        "day",
    )


def test_admin_records_a_dated_retraction(admin_client, position_form):
    form = {**position_form, "retracted_on": "2019-05-20", "retracted_precision": "month"}

    response = admin_client.post(admin_url(models.Position, "add"), form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    position = models.Position.objects.get()
    assert (position.retracted, position.retracted_on, position.retracted_precision) == (
        True,
        datetime.date(2019, 5, 20),
        "month",
    )
    change = admin_client.get(admin_url(models.Position, "change", position.pk))
    [retraction] = [
        fieldset for fieldset in change.context["adminform"] if fieldset.name == "Retraction"
    ]
    assert retraction.fields == ("retracted_on", "retracted_precision")


def test_admin_refuses_a_retraction_before_the_position_with_the_api_message(
    admin_client, editor_client, position_form
):
    form = {**position_form, "retracted_on": "2019-04-29", "retracted_precision": "day"}

    response = admin_client.post(admin_url(models.Position, "add"), form)

    message = "A position cannot be retracted before it was taken."
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"retracted_on": [message]}
    assert not models.Position.objects.exists()
    # The same position in JSON: the same message on the same field.
    api = editor_client.post(
        "/api/v1/positions/",
        {**form, "stance": 1, "retracted_precision": "day"},
        format="json",
    )
    assert api.status_code == 400
    assert api.json()["errors"] == {"retracted_on": [message]}
    # A retraction within the month of a position of "April 2019" is no error.
    response = admin_client.post(
        admin_url(models.Position, "add"),
        {**form, "as_of": "2019-04-30", "as_of_precision": "month", "retracted_on": "2019-04-02"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert models.Position.objects.get().retracted_on == datetime.date(2019, 4, 2)


def test_the_position_changelist_filters_on_retraction(admin_client):
    standing = factories.PositionFactory()
    retracted = factories.PositionFactory(retracted_on=datetime.date(2019, 5, 1))

    def listed(query):
        response = admin_client.get(admin_url(models.Position, "changelist"), query)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed({}) == {standing, retracted}
    assert listed({"retracted": "yes"}) == {retracted}
    assert listed({"retracted": "no"}) == {standing}
    html = admin_client.get(admin_url(models.Position, "changelist")).content.decode()
    assert '<a href="?retracted=yes">Retracted</a>' in html
    assert '<a href="?retracted=no">Not retracted</a>' in html


def test_the_dispute_inline_records_the_date_precision(admin_client, position_form):
    position = factories.PositionFactory()
    denier, source = factories.StakeholderFactory(), factories.SourceFactory()
    form = {
        **position_form,
        "stakeholder": position.stakeholder_id,
        "option": position.option_id,
        "source": position.source_id,
        "salience": "50",
        **management_form("disputes", total=1),
        "disputes-0-disputed_by": denier.pk,
        "disputes-0-date": "2019-05-01",
        "disputes-0-date_precision": "month",
        "disputes-0-source": source.pk,
        "disputes-0-quote": "Never said it.",
    }

    response = admin_client.post(admin_url(models.Position, "change", position.pk), form)

    assert response.status_code == 302, _all_errors(response)
    dispute = position.disputes.get()
    assert (dispute.disputed_by, dispute.date, dispute.date_precision, dispute.source) == (
        denier,
        datetime.date(2019, 5, 1),
        "month",
        source,
    )
    # And the API shows it among the position's disputes.
    [shown] = admin_client.get(f"/api/v1/positions/{position.pk}/").json()["disputes"]
    assert (shown["date"], shown["date_precision"]) == ("2019-05-01", "month")


def test_admin_refuses_a_stance_out_of_range_with_the_api_message(
    admin_client, editor_client, position_form
):
    response = admin_client.post(admin_url(models.Position, "add"), {**position_form, "stance": 5})

    assert response.status_code == 200
    message = "Ensure this value is less than or equal to 2."
    assert response.context["adminform"].form.errors["stance"] == [message]
    assert not models.Position.objects.exists()

    # In JSON, no retraction is null, not an empty text.
    api = editor_client.post(
        "/api/v1/positions/", {**position_form, "stance": 5, "retracted_on": None}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["errors"] == {"stance": [message]}


def test_admin_refuses_a_duplicate_position_with_the_api_message(
    admin_client, editor_client, position_form
):
    assert admin_client.post(admin_url(models.Position, "add"), position_form).status_code == 302

    response = admin_client.post(admin_url(models.Position, "add"), position_form)

    message = (
        "This source already gives this stakeholder's position on this option, "
        "on this basis and date."
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [message]
    # The same position in JSON, where the stance is a number and no retraction is null.
    api = editor_client.post(
        "/api/v1/positions/", {**position_form, "stance": 1, "retracted_on": None}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["errors"] == {"non_field_errors": [message]}
    assert models.Position.objects.count() == 1


def test_admin_refuses_an_affiliation_ending_before_it_starts(admin_client, editor_client):
    data = {
        "subject": factories.StakeholderFactory().pk,
        "kind": "member_of",
        "object": factories.StakeholderFactory().pk,
        "start_date": "2019-05-01",
        "end_date": "2019-04-01",
    }

    response = admin_client.post(admin_url(models.Affiliation, "add"), data)

    message = "The end date cannot be before the start date."
    assert response.context["adminform"].form.errors["end_date"] == [message]
    api = editor_client.post("/api/v1/affiliations/", data, format="json")
    assert api.json()["errors"]["end_date"] == [message]
    assert not models.Affiliation.objects.exists()


def test_admin_refuses_sanction_measures_on_an_option_that_is_not_sanctions(admin_client):
    option = factories.PolicyOptionFactory(kind="negotiation")
    data = {"option": option.pk, "measure_type": "asset_freeze"}

    response = admin_client.post(admin_url(models.SanctionMeasure, "add"), data)

    assert response.context["adminform"].form.errors["option"] == [
        "Sanction measures belong to an option of the kind sanctions."
    ]


def test_deleting_a_stakeholder_with_positions_is_refused(admin_client):
    position = factories.PositionFactory()
    stakeholder = position.stakeholder
    url = admin_url(models.Stakeholder, "delete", stakeholder.pk)

    page = admin_client.get(url)
    assert "protected related objects" in page.content.decode()
    assert f"/admin/options/position/{position.pk}/change/" in page.content.decode()

    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200  # the refusal page again, not a redirect
    assert models.Stakeholder.objects.filter(pk=stakeholder.pk).exists()


def test_deleting_a_source_referenced_many_to_many_is_refused(admin_client):
    source = factories.SourceFactory()
    topic = factories.TopicFactory()
    topic.sources.add(source)
    url = admin_url(models.Source, "delete", source.pk)

    page = admin_client.get(url).content.decode()
    assert "protected related objects" in page
    assert f"/admin/options/topic/{topic.pk}/change/" in page

    admin_client.post(url, {"post": "yes"})
    assert topic.sources.filter(pk=source.pk).exists()


def test_bulk_delete_of_referenced_sources_is_refused(admin_client):
    cited, free = factories.SourceFactory.create_batch(2)
    factories.TopicFactory().sources.add(cited)

    response = admin_client.post(
        admin_url(models.Source, "changelist"),
        {"action": "delete_selected", "_selected_action": [cited.pk, free.pk], "post": "yes"},
    )

    assert response.status_code == 200
    assert "protected related objects" in response.content.decode()
    assert models.Source.objects.count() == 2


def test_deleting_an_unreferenced_stakeholder_works(admin_client):
    stakeholder = factories.StakeholderFactory()
    response = admin_client.post(
        admin_url(models.Stakeholder, "delete", stakeholder.pk), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not models.Stakeholder.objects.exists()


def test_stakeholder_page_adds_affiliations_and_positions_inline(admin_client):
    stakeholder = factories.StakeholderFactory(name="Padrino", slug="padrino")
    army = factories.StakeholderFactory(name="Army", kind="armed_forces")
    option = factories.PolicyOptionFactory()
    source = factories.SourceFactory()
    data = {
        "name": "Padrino",
        "slug": "padrino",
        "kind": "person",
        "country": "VE",
        "aliases": '["Padrino López"]',
        **management_form("affiliations", total=1),
        "affiliations-0-kind": "holds_post_in",
        "affiliations-0-object": army.pk,
        "affiliations-0-role": "Defence Minister",
        **management_form("positions", total=0),
        **management_form("positions-2", total=1),
        "positions-2-0-option": option.pk,
        "positions-2-0-stance": "-2",
        "positions-2-0-basis": "stated",
        "positions-2-0-as_of": "2019-04-30",
        "positions-2-0-as_of_precision": "day",
        "positions-2-0-source": source.pk,
    }

    response = admin_client.post(admin_url(models.Stakeholder, "change", stakeholder.pk), data)

    assert response.status_code == 302, _all_errors(response)
    assert stakeholder.affiliations.get().role == "Defence Minister"
    assert stakeholder.positions.get().stance == -2


def _all_errors(response):
    context = response.context
    return context["adminform"].form.errors, [
        formset.formset.errors for formset in context["inline_admin_formsets"]
    ]


def test_event_page_records_participants_and_a_denied_claim(admin_client):
    topic = factories.TopicFactory()
    bolton, russia, maduro = factories.StakeholderFactory.create_batch(3)
    data = {
        "topic": topic.pk,
        "title": "Aeroplane ready to leave",
        "slug": "aeroplane",
        "date": "2019-04-30",
        "date_precision": "day",
        "certainty": "denied",
        "claimed_by": [bolton.pk],
        "denied_by": [russia.pk],
        **management_form("participations", total=1),
        "participations-0-stakeholder": maduro.pk,
        "participations-0-role": "was to leave",
    }

    response = admin_client.post(admin_url(models.Event, "add"), data)

    assert response.status_code == 302, _all_errors(response)
    event = models.Event.objects.get()
    assert list(event.claimed_by.all()) == [bolton]
    assert list(event.denied_by.all()) == [russia]
    assert event.participations.get().stakeholder == maduro


def test_autocomplete_finds_stakeholders_by_name(admin_client):
    factories.StakeholderFactory(name="Vladimir Padrino López")
    factories.StakeholderFactory(name="Juan Guaidó")
    response = admin_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "options",
            "model_name": "position",
            "field_name": "stakeholder",
            "term": "pad",
        },
    )
    assert [result["text"] for result in response.json()["results"]] == ["Vladimir Padrino López"]


@pytest.fixture
def staff_editor(django_user_model):
    user = django_user_model.objects.create_user("ed", password="pw-editor-1", is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    return user


def test_an_editor_can_record_a_position(client, staff_editor, position_form):
    client.force_login(staff_editor)
    assert client.get(admin_url(models.Position, "changelist")).status_code == 200
    response = client.post(admin_url(models.Position, "add"), position_form)
    assert response.status_code == 302
    assert models.Position.objects.count() == 1


def test_staff_without_permissions_cannot_edit(client, staff):
    client.force_login(staff)
    assert client.get(admin_url(models.Position, "changelist")).status_code == 403
    assert client.get(admin_url(models.Position, "add")).status_code == 403


def test_only_a_sanctions_option_shows_sanction_measures(admin_client):
    sanctions = factories.PolicyOptionFactory(kind="sanctions")
    negotiation = factories.PolicyOptionFactory(kind="negotiation")

    def inline_prefixes(option):
        response = admin_client.get(admin_url(models.PolicyOption, "change", option.pk))
        return [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]

    assert "measures" in inline_prefixes(sanctions)
    assert "measures" not in inline_prefixes(negotiation)


def test_saving_over_a_change_made_since_the_form_opened_is_refused(admin_client):
    source = factories.SourceFactory(title="As opened")
    url = admin_url(models.Source, "change", source.pk)
    form = admin_client.get(url).context["adminform"].form
    opened_at = form["opened_at_version"].value()
    assert opened_at == 1
    assert 'name="opened_at_version"' in admin_client.get(url).content.decode()
    data = {
        "title": "Mine",
        "slug": source.slug,
        "kind": source.kind,
        "published_precision": "day",
        "reliability": source.reliability,
        "opened_at_version": opened_at,
    }

    source.title = "Theirs"
    source.save()  # someone else, meanwhile
    response = admin_client.post(url, data)

    assert response.status_code == 200
    [message] = response.context["adminform"].form.non_field_errors()
    assert message.startswith("Someone else saved this source after you opened it")
    source.refresh_from_db()
    assert (source.title, source.version) == ("Theirs", 2)

    reopened = admin_client.get(url).context["adminform"].form["opened_at_version"].value()
    saved = admin_client.post(url, {**data, "opened_at_version": reopened})
    assert saved.status_code == 302
    source.refresh_from_db()
    assert (source.title, source.version) == ("Mine", 3)


def test_the_source_admin_grades_reliability(admin_client):
    data = {"title": "Wire story", "slug": "wire", "kind": "news_report"}

    response = admin_client.post(
        admin_url(models.Source, "add"),
        {**data, "published_precision": "day", "reliability": "B"},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    graded = models.Source.objects.get(slug="wire")
    assert graded.reliability == "B"
    ungraded = factories.SourceFactory()
    assert ungraded.reliability == "F"
    # Shown in the form's own fieldset, listed, and filtered on.
    change = admin_client.get(admin_url(models.Source, "change", graded.pk))
    [fieldset] = [f for f in change.context["adminform"] if f.name == "Reliability"]
    assert fieldset.fields == ("reliability",)
    changelist = admin_client.get(admin_url(models.Source, "changelist"), {"reliability": "B"})
    assert list(changelist.context["cl"].result_list) == [graded]
    assert "column-reliability" in changelist.content.decode()
    # A grade off the scale is refused.
    response = admin_client.post(
        admin_url(models.Source, "add"),
        {**data, "slug": "other", "published_precision": "day", "reliability": "G"},
    )
    assert response.context["adminform"].form.errors == {
        "reliability": ["Select a valid choice. G is not one of the available choices."]
    }


def test_the_admin_refuses_a_web_address_that_is_no_uri(admin_client):
    # RFC 3986 on every write path (options/uris.py), not the API's alone: what the admin stores
    # the API sends back as `format: uri`.
    data = {"title": "Wire story", "slug": "wire", "kind": "news_report"}
    response = admin_client.post(
        admin_url(models.Source, "add"),
        {
            **data,
            "published_precision": "day",
            "reliability": "B",
            "url": "https://example.org/a|b",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "url": [
            "Enter a valid URL: | (character 22) may not appear in a URL (RFC 3986); "
            "percent-encode it (%7C)."
        ]
    }
    assert not models.Source.objects.exists()


@pytest.fixture
def influence_form():
    option = factories.PolicyOptionFactory(title="Transition deal")
    return {
        "stakeholder": factories.StakeholderFactory().pk,
        "topic": option.topic_id,
        "option": option.pk,
        "capability": "70",
        "as_of": "2019-04-01",
        "rationale": "",
    }


def test_the_influence_admin_records_a_capability_on_one_option(admin_client, influence_form):
    response = admin_client.post(admin_url(models.Influence, "add"), influence_form)

    assert response.status_code == 302, response.context["adminform"].form.errors
    influence = models.Influence.objects.get()
    assert (influence.option_id, influence.topic_id, influence.capability) == (
        influence_form["option"],
        influence_form["topic"],
        70,
    )
    # The option is picked by autocomplete.
    found = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "options", "model_name": "influence", "field_name": "option", "term": "deal"},
    )
    assert [result["id"] for result in found.json()["results"]] == [str(influence_form["option"])]


def test_the_influence_admin_refuses_an_option_of_another_topic_with_the_api_message(
    admin_client, editor_client, influence_form
):
    form = {**influence_form, "option": factories.PolicyOptionFactory().pk}

    response = admin_client.post(admin_url(models.Influence, "add"), form)

    message = "The option must be one of the topic's options."
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"option": [message]}
    api = editor_client.post(
        "/api/v1/influences/", {**form, "capability": 70, "rationale": ""}, format="json"
    )
    assert api.status_code == 400
    assert api.json()["errors"] == {"option": [message]}
    assert not models.Influence.objects.exists()


def test_the_influence_changelist_filters_topic_wide_and_option_capabilities(admin_client):
    option = factories.PolicyOptionFactory()
    topic_wide = factories.InfluenceFactory(topic=option.topic)
    on_option = factories.InfluenceFactory(topic=option.topic, option=option)

    def listed(query):
        response = admin_client.get(admin_url(models.Influence, "changelist"), query)
        assert response.status_code == 200
        return set(response.context["cl"].result_list)

    assert listed({}) == {topic_wide, on_option}
    assert listed({"option__isempty": "1"}) == {topic_wide}
    assert listed({"option__isempty": "0"}) == {on_option}
