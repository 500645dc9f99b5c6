"""Every field of every model is in every place a field must be — the API's serializer, the
admin's fieldsets, the spreadsheet resource, the filters (filterset, search or ordering), the
Popolo and FtM exports where the model is exported — or in the model's `left_out` with the
reason (options/models/, TimeStampedModel.left_out). Whoever adds a field is told, by name,
each file still to edit (docs/architecture.md, "Where a change goes")."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework import serializers as drf_serializers

from options import interchange, resources
from options.api.serializers import resources as resource_serializers
from options.api.urls import router

# The crisis's records: the models with an audit trail (live tracking's logs and settings,
# options/models/tracking.py, are neither imported, exported nor exchanged).
MODELS = [
    model
    for model in apps.get_app_config("options").get_models()
    if not model.__name__.startswith("Historical") and hasattr(model, "history")
]
PLACES = {
    "serializer": "options/api/serializers/resources.py (the resource's serializer: Meta.fields)",
    "admin": "options/admin/__init__.py (the model admin's fieldsets)",
    "resource": "options/resources.py (the spreadsheet resource's fields)",
    "filters": "options/api/filters.py (the filterset) or options/api/views.py "
    "(search_fields or ordering_fields)",
    "popolo": "options/interchange/popolo.py (POPOLO_PROPERTIES, and the popolo_* function)",
    "ftm": "options/interchange/ftm_export.py (FTM_PROPERTIES, and the ftm_* function)",
}
# The id is the record itself: the API's detail URL and the admin's page name it, and a file
# names records by slug.
NOT_A_FIELD_THERE = {"admin": {"id"}, "resource": {"id"}, "filters": {"id"}}


def module_path(model) -> str:
    """The file that defines `model`, e.g. options/models/stakeholders.py."""
    return model.__module__.replace(".", "/") + ".py"


def _head(path: str) -> str:
    return path.replace(".", "__").split("__")[0]


def _viewset(model):
    for _, viewset, _ in router.registry:
        queryset = getattr(viewset, "queryset", None)
        if queryset is not None and queryset.model is model:
            return viewset
    return None


def _serializer(model):
    viewset = _viewset(model)
    if viewset is not None:
        return viewset.serializer_class
    for candidate in vars(resource_serializers).values():
        meta = getattr(candidate, "Meta", None)
        if (
            isinstance(candidate, type)
            and issubclass(candidate, drf_serializers.ModelSerializer)
            and getattr(meta, "model", None) is model
        ):
            return candidate
    return None


def _resource(model):
    for candidate in vars(resources).values():
        if (
            isinstance(candidate, type)
            and issubclass(candidate, resources.AuditedResource)
            and candidate._meta.model is model
        ):
            return candidate
    return None


def places_of(model) -> dict[str, set[str]]:
    """The model's fields each place has, for the places that apply to the model."""
    places = {}
    serializer = _serializer(model)
    if serializer is not None:
        places["serializer"] = {
            _head(field.source or name) for name, field in serializer().fields.items()
        } | set(serializer().fields)
    model_admin = admin.site._registry.get(model)
    if model_admin is not None:
        request = RequestFactory().get("/")
        request.user = AnonymousUser()
        shown = set(model_admin.get_readonly_fields(request))
        for _, options in model_admin.get_fieldsets(request):
            for line in options["fields"]:
                shown.update(line if isinstance(line, list | tuple) else [line])
        places["admin"] = shown
    resource = _resource(model)
    if resource is not None:
        fields = [*resource().get_import_fields(), *resource().get_export_fields()]
        places["resource"] = {_head(field.attribute) for field in fields if field.attribute}
    viewset = _viewset(model)
    if viewset is not None:
        filters = {_head(f.field_name) for f in viewset.filterset_class.base_filters.values()}
        places["filters"] = (
            filters
            | {_head(name) for name in viewset.ordering_fields}
            | {_head(name.lstrip("^=@$")) for name in viewset.search_fields}
        )
    if model in interchange.POPOLO_PROPERTIES:
        places["popolo"] = set(interchange.POPOLO_PROPERTIES[model])
    if model in interchange.FTM_PROPERTIES:
        places["ftm"] = set(interchange.FTM_PROPERTIES[model])
    return places


def left_out(model) -> dict[str, dict[str, str]]:
    """The model's `left_out`, merged along its class hierarchy."""
    merged: dict[str, dict[str, str]] = {}
    for cls in reversed(model.__mro__):
        for place, fields in vars(cls).get("left_out", {}).items():
            merged.setdefault(place, {}).update(fields)
    return merged


def field_names(model) -> list[str]:
    return [field.name for field in [*model._meta.concrete_fields, *model._meta.many_to_many]]


def missing_places(model, names: list[str]) -> list[str]:
    """A sentence for each field of `names` a place lacks and `left_out` does not excuse."""
    excused = left_out(model)
    problems = []
    for place, present in places_of(model).items():
        for name in names:
            if name in present | NOT_A_FIELD_THERE.get(place, set()):
                continue
            if name not in excused.get(place, {}):
                problems.append(
                    f"{model.__name__}.{name} is not in {PLACES[place]}: add it there, or to "
                    f"{model.__name__}.left_out[{place!r}] in {module_path(model)} with the "
                    "reason."
                )
    return problems


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_is_in_every_place_or_left_out_with_a_reason(model):
    assert missing_places(model, field_names(model)) == []


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_nothing_is_left_out_that_is_there_or_does_not_exist(model):
    places, names = places_of(model), set(field_names(model))
    stale = [
        f"{model.__name__}.left_out[{place!r}][{name!r}]"
        for place, fields in left_out(model).items()
        for name in fields
        if name not in names or name in places.get(place, set())
    ]
    assert stale == [], "remove these from left_out: the field is there, or is no more"


def test_a_new_field_names_every_file_to_edit():
    from options.models import Stakeholder

    assert missing_places(Stakeholder, ["new_field"]) == [
        f"Stakeholder.new_field is not in {PLACES[place]}: add it there, or to "
        f"Stakeholder.left_out[{place!r}] in {module_path(Stakeholder)} with the reason."
        for place in ("serializer", "admin", "resource", "filters", "popolo", "ftm")
    ]
