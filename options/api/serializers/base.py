"""
The base of the resources' serializers: fields of their JSON type only, validation by the
model's own `full_clean()` (so that the API refuses exactly what the admin refuses, in the same
words), and writes through the write services (options/services.py).
"""

import copy

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models as db_models
from django_countries.serializer_fields import CountryField as CountrySerializerField
from django_countries.serializers import CountryFieldMixin
from rest_framework import serializers
from rest_framework.serializers import raise_errors_on_nested_writes
from rest_framework.settings import api_settings
from rest_framework.utils import model_meta
from rest_framework.validators import UniqueValidator

from options import services
from options.api.serializers import brief
from options.api.serializers.fast_read import DetailURLField, FastReadMixin
from options.api.serializers.fields import (
    StrictBooleanField,
    StrictCharField,
    StrictCountryField,
    StrictIntegerField,
    StrictSlugField,
    StrictURLField,
)

#: The keyword of `serializer.save()` naming the versions the stored record must be at.
EXPECTED_VERSIONS = "expected_versions"

# --- Shared behaviour -------------------------------------------------------------------------


# (Comments, not docstrings: docstrings of serializers become OpenAPI descriptions.)
# A ModelSerializer whose fields take only their JSON type (see StrictCharField and the others).
class StrictModelSerializer(FastReadMixin, serializers.ModelSerializer):
    serializer_url_field = DetailURLField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        db_models.CharField: StrictCharField,
        db_models.TextField: StrictCharField,
        db_models.SlugField: StrictSlugField,
        db_models.URLField: StrictURLField,
        db_models.IntegerField: StrictIntegerField,
        db_models.SmallIntegerField: StrictIntegerField,
        db_models.PositiveIntegerField: StrictIntegerField,
        db_models.PositiveSmallIntegerField: StrictIntegerField,
        db_models.BigIntegerField: StrictIntegerField,
        db_models.BooleanField: StrictBooleanField,
    }


# A ModelSerializer that validates with the model's own `full_clean()`. DRF does not call it, so
# a broken CheckConstraint would surface as an IntegrityError. Running it checks field
# validators, `clean()`, unique and check constraints with Django's messages, the ones the admin
# shows. DRF's own unique validators are dropped so that each rule is checked once, with one
# message.
class ModelSerializer(CountryFieldMixin, StrictModelSerializer):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        brief.declare(cls)

    def get_validators(self):
        return []

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_class is CountrySerializerField:
            field_class = StrictCountryField
        if "validators" in field_kwargs:
            field_kwargs["validators"] = [
                validator
                for validator in field_kwargs["validators"]
                if not isinstance(validator, UniqueValidator)
            ]
        return field_class, field_kwargs

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        concrete_fields = {field.name for field in model._meta.concrete_fields}
        instance = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if name in concrete_fields:
                setattr(instance, name, value)
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(self._api_field_errors(error)) from error
        return attrs

    def _api_field_errors(self, error: DjangoValidationError) -> dict:
        """Key Django's errors by the API's field names (a field may read another attribute)."""
        api_names = {field.source: name for name, field in self.fields.items()}
        api_names[NON_FIELD_ERRORS] = api_settings.NON_FIELD_ERRORS_KEY
        errors = serializers.as_serializer_error(error)
        return {api_names.get(name, name): messages for name, messages in errors.items()}

    # Writes go through the write services (options/services.py). `save()` may be given the
    # versions the stored record must be at (the view's If-Match): `expected_versions`.
    def create(self, validated_data):
        fields, links = self._fields_and_links("create", validated_data)
        return services.record_create(self.Meta.model, fields=fields, links=links)

    def update(self, instance, validated_data):
        expected_versions = validated_data.pop(EXPECTED_VERSIONS, None)
        fields, links = self._fields_and_links("update", validated_data)
        return services.record_update(
            instance, fields=fields, links=links, expected_versions=expected_versions
        )

    def _fields_and_links(self, action: str, validated_data: dict) -> tuple[dict, dict]:
        """The validated data split as DRF's ModelSerializer does: field values, and the
        many-to-many links, set after the record is saved."""
        raise_errors_on_nested_writes(action, self, validated_data)
        relations = model_meta.get_field_info(self.Meta.model).relations
        links = {
            name: validated_data.pop(name)
            for name, relation in relations.items()
            if relation.to_many and name in validated_data
        }
        return validated_data, links
