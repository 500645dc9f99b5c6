"""The read-only topic page and the stance matrix SVG."""

import datetime
import xml.etree.ElementTree as ET

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def topic():
    topic = factories.TopicFactory(slug="crisis", title="The crisis")
    deal = factories.PolicyOptionFactory(topic=topic, title="Deal")
    factories.PolicyOptionFactory(topic=topic, title="Intervention")
    minister = factories.StakeholderFactory(name="Minister")
    source = factories.SourceFactory(url="https://example.org/report")
    factories.PositionFactory(
        stakeholder=minister,
        option=deal,
        stance=1,
        basis="expected",
        as_of=datetime.date(2019, 4, 29),
        source=source,
    )
    factories.PositionFactory(
        stakeholder=minister,
        option=deal,
        stance=-2,
        basis="stated",
        as_of=datetime.date(2019, 4, 30),
        source=source,
        quote="denounced the coup",
    )
    factories.PositionFactory(
        stakeholder=factories.StakeholderFactory(name="Ally"),
        option=deal,
        stance=2,
        as_of=datetime.date(2019, 4, 29),
    )
    factories.EventFactory(topic=topic, title="Uprising", date=datetime.date(2019, 4, 30))
    return topic


def test_page_shows_the_matrix_forecast_and_timeline(client, topic):
    response = client.get("/topics/crisis/?as_of=2019-05-01")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-rows="2" data-columns="2"' in html
    assert 'class="cell divergent"' in html  # the minister's stated vs expected stance
    assert 'href="https://example.org/report"' in html  # each cell links to its source
    assert "<svg" in html and "mean" in html  # the forecast bars
    assert "Uprising" in html and "denounced the coup" in html  # the timeline
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html.replace("https://example.org/report", "")


def test_page_as_of_an_earlier_date(client, topic):
    html = client.get("/topics/crisis/?as_of=2019-04-29&basis=expected").content.decode()
    assert 'data-rows="1" data-columns="2"' in html
    assert "divergent" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_page_with_a_bad_date_says_so(client, topic):
    response = client.get("/topics/crisis/?as_of=not-a-date")
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_page_of_an_unknown_topic_is_404(client):
    assert client.get("/topics/nope/").status_code == 404


def test_page_needs_a_login_when_reading_is_not_public(client, topic, settings):
    settings.POLICYTRACKER_PUBLIC_READ = False
    response = client.get("/topics/crisis/")
    assert response.status_code == 302


def test_svg_matrix(client, topic):
    response = client.get("/topics/crisis/stance-matrix.svg?as_of=2019-05-01")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    cells = root.findall(f".//{SVG}g[@class='cell']")
    assert sorted(cell.get("data-stance") for cell in cells) == ["-2", "2"]
    divergent = [cell for cell in cells if cell.find(f"{SVG}rect").get("stroke-dasharray") == "5 3"]
    assert [cell.get("data-stance") for cell in divergent] == ["-2"]


def test_topic_api_links_the_page(api_client, topic):
    body = api_client.get(f"/api/v1/topics/{topic.pk}/").json()
    assert body["page_url"] == "http://testserver/topics/crisis/"


def test_admin_topic_page_links_the_page(admin_client, topic):
    html = admin_client.get(f"/admin/options/topic/{topic.pk}/change/").content.decode()
    assert "/admin/r/" in html  # Django's "View on site", which redirects to the page
    redirect = admin_client.get(f"/admin/r/{_content_type_id(topic)}/{topic.pk}/", follow=False)
    assert redirect.url.endswith("/topics/crisis/")


def _content_type_id(obj) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(obj).pk


@pytest.mark.parametrize("url", ["/topics/crisis/", "/topics/crisis/stance-matrix.svg"])
def test_page_runs_a_fixed_number_of_queries(client, topic, url, django_assert_max_num_queries):
    def grow():
        options = factories.PolicyOptionFactory.create_batch(4, topic=topic)
        for stakeholder in factories.StakeholderFactory.create_batch(8):
            for option in options:
                factories.PositionFactory(stakeholder=stakeholder, option=option)

    # topic; matrix: options, positions, stakeholders, sources; forecast: options, positions,
    # influences, pivotal; timeline: counts and keys of events and of positions, then events
    # (+5 prefetches) and positions (+ disputes)
    for _ in range(2):
        with django_assert_max_num_queries(21):
            assert client.get(url).status_code == 200
        grow()
