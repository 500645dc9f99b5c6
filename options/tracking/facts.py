"""
What a change event says, line by line, for people: the records it names (by the labels it
stored), its values before and after, its type's own facts, its source. Written from what the
event holds only, robust to whatever it lacks (options/tracking/feeds.py shows it).
"""

import json

from options.models import ChangeEvent, Event, PolicyOption, Position, SanctionMeasure

#: The record labels an entry names, in its order: (the key in data["records"], the label's
#: key there, the event's field, what to call it).
NAMED_RECORDS = [
    ("topic", "title", "topic_id", "Topic"),
    ("stakeholder", "name", "stakeholder_id", "Stakeholder"),
    ("option", "title", "option_id", "Option"),
    ("position", "label", "position_id", "Position"),
    ("event", "title", "event_id", "Event"),
]
#: The keys of a stakeholder's standing on an option, in `before` and `after`.
STANDING_KEYS = {"stance", "basis", "as_of", "position"}
#: Keys of `before`, `after` and `data` that hold ids (the extension gives them) or are told
#: otherwise: not repeated in the text.
UNTOLD_KEYS = {
    "records",
    "measure",
    "disputed_by",
    "imposing_authority",
    "bases",
    "stances",
    "counts",
}
KEY_LABELS = {
    "certainty": "Certainty",
    "status": "Status",
    "date": "Date",
    "weighted_mean": "Weighted mean",
    "support_share": "Support share",
    "effective_date": "Effective",
    "end_date": "Ends",
    "sign_flipped": "Sign flipped",
    "delta": "Shift of the weighted mean",
    "crossed_majority": "Support crossed one half",
    "retracted_on": "Retracted on",
    "measure_type": "Measure",
}
#: The order facts are told in (then by name): whatever order the database keeps JSON keys in
#: (PostgreSQL's jsonb sorts them by length).
KEY_ORDER = {key: position for position, key in enumerate(KEY_LABELS)}


def _in_order(keys) -> list[str]:
    return sorted(set(keys), key=lambda key: (KEY_ORDER.get(key, len(KEY_ORDER)), key))


#: Values shown by their label.
VALUE_CHOICES = {
    "certainty": Event.Certainty,
    "status": PolicyOption.Status,
    "measure_type": SanctionMeasure.MeasureType,
}


def as_mapping(value) -> dict:
    return value if isinstance(value, dict) else {}


def stored_records(event: ChangeEvent) -> dict:
    return as_mapping(as_mapping(event.data).get("records"))


def _record_label(records: dict, key: str, label_key: str) -> str | None:
    label = as_mapping(records.get(key)).get(label_key)
    return str(label) if label not in (None, "") else None


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def type_label(value) -> str:
    if value in ChangeEvent.Type.values:
        return str(ChangeEvent.Type(value).label)
    return str(value)


def _stance_text(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value in Position.Stance.values:
        return f"{value:+d} ({Position.Stance(value).label.lower()})"
    return _value_text("stance", value)


def _value_text(key: str, value) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if key == "support_share":
            return f"{value:.0%}"
        if key in ("weighted_mean", "delta"):
            return f"{value:+.2f}"
        return f"{value:g}"
    if isinstance(value, str):
        choices = VALUE_CHOICES.get(key)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _key_label(key: str) -> str:
    return KEY_LABELS.get(key) or key.replace("_", " ").capitalize()


def _standing_text(state: dict) -> str:
    """A stakeholder's standing on an option: "+1 (support), stated, as of 2019-04-30"."""
    if state.get("stance") is None:
        return "no position"
    parts = [_stance_text(state["stance"])]
    if state.get("basis"):
        parts.append(_value_text("basis", state["basis"]))
    if state.get("as_of"):
        parts.append(f"as of {_value_text('as_of', state['as_of'])}")
    return ", ".join(parts)


def _transition_facts(before, after) -> list[tuple[str, str]]:
    """What was and what is: the stance, then every other value `before` or `after` holds."""
    was, now = as_mapping(before), as_mapping(after)
    facts = []
    if "stance" in was or "stance" in now:
        facts.append(("Stance", f"{_standing_text(was)} → {_standing_text(now)}"))
    for key in _in_order([*was, *now]):
        if key in STANDING_KEYS or key in UNTOLD_KEYS:
            continue
        if key in was and key in now:
            old, new = _value_text(key, was[key]), _value_text(key, now[key])
            text = new if old == new else f"{old} → {new}"
        elif key in now:
            text = _value_text(key, now[key])
        else:
            text = f"{_value_text(key, was[key])} → none"
        facts.append((_key_label(key), text))
    return facts


def _data_facts(data: dict) -> list[tuple[str, str]]:
    """The type-specific facts an event holds: a divergence's bases, a digest's counts…"""
    facts = []
    bases, stances = data.get("bases"), data.get("stances")
    if isinstance(bases, list) and isinstance(stances, list) and len(bases) == len(stances):
        told = [
            f"{_value_text('basis', basis)} {_stance_text(stance)}"
            for basis, stance in zip(bases, stances, strict=True)
        ]
        facts.append(("Bases", ", ".join(told)))
    counts = data.get("counts")
    if isinstance(counts, dict) and counts:
        told = [f"{counts[kind]} × {type_label(kind).lower()}" for kind in sorted(counts)]
        total = sum(count for count in counts.values() if _number(count))
        facts.append(("Changes", f"{total}: {', '.join(told)}"))
    for key in _in_order(data):
        value = data[key]
        if key in UNTOLD_KEYS or isinstance(value, dict | list):
            continue
        facts.append((_key_label(key), _value_text(key, value)))
    return facts


def change_event_facts(event: ChangeEvent) -> list[tuple[str, str]]:
    """What changed, as (label, text) lines: the type, the records it names (by their stored
    labels), the values before and after, the type's own facts, the source."""
    records = stored_records(event)
    facts = [("Change", type_label(event.type))]
    for key, label_key, field, label in NAMED_RECORDS:
        text = _record_label(records, key, label_key)
        record_id = getattr(event, field)
        if text is None and record_id is not None:
            text = f"#{record_id}"
        if text is not None:
            facts.append((label, text))
    facts += _transition_facts(event.before, event.after)
    facts += _data_facts(as_mapping(event.data))
    source = _record_label(records, "source", "title")
    if source is None and event.source_id is not None:
        source = f"#{event.source_id}"
    if source is not None:
        facts.append(("Source", source))
    return facts
