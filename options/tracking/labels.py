"""
What a change event says to people: the labels of the records it names, kept with it (in
`data["records"]`, for when the records are gone), and its title, one sentence.
"""

from options.models import ChangeEvent, Event, PolicyOption, Source, Stakeholder, Topic

Type = ChangeEvent.Type

STANCE_WORDS = {
    -2: "strongly opposes",
    -1: "opposes",
    0: "is neutral on",
    1: "supports",
    2: "strongly supports",
}


def label(events: list[ChangeEvent]) -> list[ChangeEvent]:
    """Fill each event's topic, `data["records"]` (the labels of what it names, kept for when the
    records are gone) and title, in a few queries whatever the number of events. Returns the
    events that still have a topic: a write that deleted an option or a topic along with what
    was said of it leaves nothing to tell about them."""
    option_ids = {e.option_id for e in events} | {o for e in events for o in e.option_ids}
    options = PolicyOption.objects.only("slug", "title", "topic_id").in_bulk(option_ids - {None})
    stakeholder_ids = {e.stakeholder_id for e in events}
    stakeholder_ids |= {s for e in events for s in e.stakeholder_ids}
    stakeholders = Stakeholder.objects.only("slug", "name").in_bulk(stakeholder_ids - {None})
    for event in events:
        if event.option_id and not event.topic_id and event.option_id in options:
            event.topic_id = options[event.option_id].topic_id
    topics = Topic.objects.only("slug", "title").in_bulk({e.topic_id for e in events} - {None})
    events = [event for event in events if event.topic_id in topics]
    sources = Source.objects.only("title").in_bulk({e.source_id for e in events} - {None})
    records_of = Event.objects.only("title").in_bulk({e.event_id for e in events} - {None})
    for event in events:
        topic = topics[event.topic_id]
        records = {"topic": {"id": topic.pk, "slug": topic.slug, "title": topic.title}}
        stakeholder = stakeholders.get(event.stakeholder_id)
        if stakeholder:
            records["stakeholder"] = {
                "id": stakeholder.pk,
                "slug": stakeholder.slug,
                "name": stakeholder.name,
            }
        option = options.get(event.option_id)
        if option:
            records["option"] = {"id": option.pk, "slug": option.slug, "title": option.title}
        # (A source or an event deleted by the same write keeps its id, without a label.)
        if event.source_id in sources:
            records["source"] = {"id": event.source_id, "title": sources[event.source_id].title}
        if event.event_id in records_of:
            records["event"] = {"id": event.event_id, "title": records_of[event.event_id].title}
        if event.position_id:
            records["position"] = {
                "id": event.position_id,
                "label": _position_label(event, records),
            }
        if event.stakeholder_id and not event.stakeholder_ids:
            event.stakeholder_ids = [event.stakeholder_id]
        if event.option_id and not event.option_ids:
            event.option_ids = [event.option_id]
        event.data = {**event.data, "records": records}
        event.title = _title(event, records, stakeholders)[:500]
    return events


def _position_label(event: ChangeEvent, records: dict) -> str:
    standing = event.after or event.before or {}
    who = records.get("stakeholder", {}).get("name", "?")
    what = records.get("option", {}).get("title", "?")
    return f"{who} on {what} ({standing.get('basis', '')}, {standing.get('as_of', '')})"


def _title(event: ChangeEvent, records: dict, stakeholders: dict) -> str:
    who = records.get("stakeholder", {}).get("name", "")
    what = records.get("option", {}).get("title", "")
    before, after, data = event.before or {}, event.after or {}, event.data
    match event.type:
        case Type.STANCE_CHANGED:
            if not after:
                return f"{who} no longer has a position on {what}"
            words = STANCE_WORDS[after["stance"]]
            was = f", after {before['stance']:+d} ({before['basis']})" if before else ""
            flip = " (sign flipped)" if data.get("sign_flipped") else ""
            return f"{who} now {words} {what}: {after['stance']:+d} ({after['basis']}){was}{flip}"
        case Type.DIVERGENCE_APPEARED | Type.DIVERGENCE_RESOLVED:
            (first, second), (one, other) = data["bases"], data["stances"]
            verb = (
                "now disagree" if event.type == Type.DIVERGENCE_APPEARED else "no longer disagree"
            )
            return f"{who} on {what}: {first} {one:+d} and {second} {other:+d} {verb}"
        case Type.POSITION_DISPUTED:
            disputer = stakeholders.get(data["disputed_by"])
            if disputer and disputer.pk == event.stakeholder_id:
                return f"{who} denies the position attributed to them on {what}"
            return f"{disputer.name if disputer else '?'} disputes {who}'s position on {what}"
        case Type.POSITION_RETRACTED:
            return f"{who}'s position on {what} is retracted"
        case Type.EVENT_RECORDED:
            return f"Event recorded ({after['certainty']}): {records['event']['title']}"
        case Type.EVENT_CERTAINTY_CHANGED:
            return (
                f"Event now {after['certainty']} (was {before['certainty']}): "
                f"{records['event']['title']}"
            )
        case Type.FORECAST_SHIFTED:
            mean = after.get("weighted_mean")
            shown = "no weighted support" if mean is None else f"weighted mean {mean:+.2f}"
            delta = data.get("delta")
            by = f" ({delta:+.2f})" if delta is not None else ""
            return f"Forecast of {what} shifted: {shown}{by}"
        case Type.OPTION_STATUS_CHANGED:
            return f"{what}: {before['status']} → {after['status']}"
        case Type.SANCTION_IMPOSED:
            on = f" on {who}" if who else ""
            return f"Sanction imposed{on} ({what}), effective {after['effective_date']}"
        case Type.SANCTION_LIFTED:
            on = f" on {who}" if who else ""
            return f"Sanction lifted{on} ({what}), ending {after['end_date']}"
    return str(event.get_type_display())
