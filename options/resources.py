"""
Spreadsheet import and export (django-import-export) for the admin: sources, stakeholders,
policy options and positions, as CSV, XLSX or JSON.

A file names records by their natural keys, never by ids, so that it moves between databases
and reads well: sources and stakeholders by slug, options by their topic's slug (the `topic`
column) and their own, positions by what makes them unique (stakeholder, option, basis, as-of
date and source). Importing a row updates the record with its key, or creates it: an exported
file re-imports as it is, changing nothing.

Every row goes through the model's `full_clean()`, as in the admin's forms and the API, and a
value that cannot be read (an unknown slug, a date that is not YYYY-MM-DD, "yes" for a number) is
reported on its column instead of being guessed at. An import is all or nothing (the admin
previews it first): one bad row, and no row is saved. Rows are saved one by one, never in bulk,
so that each change is in the audit trail, one record per object and row.
"""

import datetime
import functools
import json
import re
from io import BytesIO

import openpyxl
import tablib
from django.core.exceptions import ValidationError
from django.db.models import CharField, SlugField, TextField
from import_export import fields, resources, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import ModelInstanceLoader
from openpyxl import Workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from tablib.formats._xlsx import XLSXFormat

from options import import_limits, models, services
from options.api import csv_export
from options.tracking import derive


class _ImportRolledBack(Exception):
    """Rolls an import's write back when the library rolled its rows back."""

    def __init__(self, result):
        super().__init__()
        self.result = result


class CSV(base_formats.CSV):
    """CSV, safe to open in a spreadsheet, as the API's CSV export is (options/api/csv_export.py):
    a free text that a spreadsheet would run as a formula (`=cmd|' /C calc'!A0`, and whatever
    begins with `+`, `-`, `@`, a tab or a carriage return) is written with an apostrophe before
    it, which the spreadsheet shows as text, and read back without it, so that an export
    re-imports unchanged (and so does the API's CSV). The resources escape on export, where
    they know which columns are free text (`AuditedResource.export_field`); the import strips
    the apostrophe from any cell, since no other column (slugs, numbers, dates, choices, lists)
    can hold a value that begins with one. (A text that begins with a carriage return is the
    exception, escaped or not: the library keeps the file between preview and confirmation and
    reads it back in text mode when it is in the temporary folder, which turns every carriage
    return into a line feed: the text comes back with its apostrophe, before a line feed.)

    Not the library's `IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`: that setting deletes a leading
    "=" (the text is lost, and cannot be read back), leaves `+`, `-`, `@`, tab and carriage
    return alone, and applies to every format and column (numbers turned to text included)."""

    def create_dataset(self, in_stream, **kwargs):
        # The limits on rows and cells first (options/import_limits.py), as a stream.
        if isinstance(in_stream, bytes) and self.encoding:
            in_stream = in_stream.decode(self.encoding)
        import_limits.check_csv_text(in_stream)
        dataset = super().create_dataset(in_stream, **kwargs)
        unescaped = tablib.Dataset(headers=dataset.headers)
        for row in dataset:
            unescaped.append(
                [csv_export.text_read(cell) if isinstance(cell, str) else cell for cell in row]
            )
        return unescaped


class XLSX(base_formats.XLSX):
    """XLSX, with text kept as text: tablib writes a value that starts with "=" (a quote could)
    as a formula, which the spreadsheet would run, and which reads back empty.

    Read as the library reads it (the active sheet, the first row as headers, values rather
    than formulas), within the limits of options/import_limits.py: the archive is checked
    before openpyxl opens it, and the reading stops at the first row or cell over."""

    def create_dataset(self, in_stream):
        import_limits.check_xlsx_archive(in_stream)
        workbook = openpyxl.load_workbook(BytesIO(in_stream), read_only=True, data_only=True)
        try:
            rows = import_limits.limited_rows(workbook.active.iter_rows(values_only=True))
            dataset = tablib.Dataset()
            headers = next(rows, None)
            if headers is None:
                return dataset
            dataset.headers = list(headers)
            for row in rows:
                dataset.append(list(row))
            return dataset
        finally:
            workbook.close()

    def export_data(self, dataset, **kwargs):
        workbook = Workbook()
        sheet = workbook.active
        try:
            XLSXFormat.dset_sheet(dataset, sheet)
        except IllegalCharacterError as error:
            # The admin shows a ValueError's message instead of the file.
            raise ValueError(
                "Some text holds control characters, which an XLSX file cannot: export as CSV "
                "or JSON instead."
            ) from error
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        stream = BytesIO()
        workbook.save(stream)
        return stream.getvalue()


class JSON(base_formats.JSON):
    """JSON (a list of objects, one a row), within the limits of options/import_limits.py."""

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes) and self.encoding:
            in_stream = in_stream.decode(self.encoding)
        rows = json.loads(in_stream)
        dataset = tablib.Dataset()
        if isinstance(rows, list):
            rows = list(import_limits.limited_rows(rows, headers=False))
        dataset.dict = rows
        return dataset


#: What the admin offers, in this order.
FORMATS = (CSV, XLSX, JSON)


# Widgets: each reads one cell strictly (a ValueError is reported on its column) and writes it
# back in the same form, so that an export re-imports unchanged.


class WholeNumberWidget(widgets.IntegerWidget):
    """A whole number: "2", "-1", or a spreadsheet's number 2 or 2.0; not "2.5", nor "two"."""

    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value.strip()):
            return int(value.strip())
        raise ValueError(f"“{value}” is not a whole number.")


class TrueFalseWidget(widgets.BooleanWidget):
    """A yes/no value: 1 or 0, true or false (any case); empty takes the field's default.
    Anything else is an error, where the library would read it as false."""

    TRUE_TEXT = {"1", "true"}
    FALSE_TEXT = {"0", "false"}

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE_TEXT:
            return True
        if text in self.FALSE_TEXT:
            return False
        raise ValueError(f"“{value}” is neither true nor false (write 1 or 0).")


class ISODateWidget(widgets.DateWidget):
    """A date as YYYY-MM-DD, or a spreadsheet's date cell; no guessing at 04/05/2019."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):  # an XLSX date cell reads as a datetime
            return value.date()
        try:
            return super().clean(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError(f"“{value}” is not a date written as YYYY-MM-DD.") from None


class NameListWidget(widgets.JSONWidget):
    """A list of names (a stakeholder's aliases) as a JSON list: ["Padrino López", "General
    Padrino"]; empty is no names. The model checks that each is a non-empty name."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, list):  # a JSON file's list
            return value
        if value is None or not str(value).strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError(
                'Write the names as a JSON list, e.g. ["Padrino López", "General Padrino"].'
            ) from None

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value or [], ensure_ascii=False)


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key written as the related record's slug."""

    def __init__(self, model, **kwargs):
        super().__init__(model, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        slug = "" if value is None else str(value).strip()
        if not slug:
            return None
        try:
            return self.model._default_manager.get(slug=slug)
        except self.model.DoesNotExist:
            raise ValueError(
                f"There is no {self.model._meta.verbose_name} with the slug “{slug}”."
            ) from None


class OptionWidget(widgets.ForeignKeyWidget):
    """A policy option, written as its slug, in the topic whose slug is in the row's `topic`
    column (option slugs are unique within a topic only)."""

    def __init__(self, **kwargs):
        super().__init__(models.PolicyOption, field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        slug = "" if value is None else str(value).strip()
        if not slug:
            return None
        topic = str((row or {}).get("topic") or "").strip()
        if not topic:
            raise ValueError("Give the option's topic (its slug) in the “topic” column.")
        try:
            return models.PolicyOption.objects.get(topic__slug=topic, slug=slug)
        except models.PolicyOption.DoesNotExist:
            raise ValueError(
                f"There is no policy option with the slug “{slug}” in the topic “{topic}”."
            ) from None


class SlugListWidget(widgets.ManyToManyWidget):
    """Many-to-many links written as the linked records' slugs, separated by commas. The
    library ignores slugs it cannot find; here each one is an error."""

    def __init__(self, model, **kwargs):
        super().__init__(model, separator=",", field="slug", **kwargs)

    def clean(self, value, row=None, **kwargs):
        # Text separated by commas, or a JSON file's list.
        items = value if isinstance(value, list) else str(value or "").split(",")
        slugs = list(dict.fromkeys(filter(None, (str(item).strip() for item in items))))
        found = list(self.model._default_manager.filter(slug__in=slugs))
        missing = set(slugs) - {obj.slug for obj in found}
        if missing:
            names = ", ".join(f"“{slug}”" for slug in sorted(missing))
            raise ValueError(
                f"There is no {self.model._meta.verbose_name} with the slug {names}."
                if len(missing) == 1
                else f"There are no {self.model._meta.verbose_name_plural} with the slugs {names}."
            )
        return found

    def render(self, value, obj=None, **kwargs):
        return ", ".join(sorted(linked.slug for linked in value.all())) if value is not None else ""


class NaturalKeyInstanceLoader(ModelInstanceLoader):
    """Finds the record that a row updates by its natural key. A key that cannot be read (an
    unknown slug, a bad date) finds none: the row is then validated as a new record, which
    reports each unreadable value on its column."""

    def get_instance(self, row):
        try:
            return super().get_instance(row)
        except ValueError:
            return None


# Resources --------------------------------------------------------------------------------------


class AuditedResource(resources.ModelResource):
    """The common base: strict widgets, validation by the model, all or nothing, audited."""

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        # An empty cell is empty text, not NULL (which the library would try to save).
        "TextField": widgets.CharWidget,
        "DateField": ISODateWidget,
        "BooleanField": TrueFalseWidget,
        "SmallIntegerField": WholeNumberWidget,
        "PositiveSmallIntegerField": WholeNumberWidget,
    }

    class Meta:
        # The model's full_clean(): its validators, clean() and constraints.
        clean_model_instances = True
        # One transaction for the whole file: rolled back after a dry run and after any error.
        use_transactions = True
        # Bulk writes would skip save() and so the audit trail, and many-to-many fields.
        use_bulk = False
        # A row equal to its record is not saved: re-importing an export changes nothing.
        skip_unchanged = True
        report_skipped = True
        instance_loader_class = NaturalKeyInstanceLoader

    #: select_related() and prefetch_related() for exports: no query per row.
    export_select_related: tuple[str, ...] = ()
    export_prefetch_related: tuple[str, ...] = ()

    def before_import(self, dataset, **kwargs):
        """Refuse a file with a column this resource does not read (a misspelt "sumary" would
        otherwise be dropped in silence)."""
        columns = [field.column_name for field in self.get_import_fields()]
        unknown = [header for header in dataset.headers if header and header not in columns]
        if unknown:
            raise ValueError(
                f"Unknown columns: {', '.join(map(str, unknown))}. "
                f"The columns are: {', '.join(columns)}."
            )

    def import_data(self, dataset, dry_run=False, **kwargs):
        """An import is one write of the write services (options/services.py): one transaction,
        one historical record per object, and its change events derived once for the whole
        file (a digest where it makes many). A preview (`dry_run`), rolled back whatever
        happens, derives none. If the library rolls the rows back (a row failed), the write is
        rolled back with them, change events included."""
        if dry_run:
            with derive.not_derived():
                return super().import_data(dataset, dry_run=True, **kwargs)
        try:
            with services.audited_write():
                result = super().import_data(dataset, dry_run=False, **kwargs)
                if self._rolled_back(result, kwargs):
                    raise _ImportRolledBack(result)
        except _ImportRolledBack as rolled_back:
            return rolled_back.result
        return result

    @staticmethod
    def _rolled_back(result, kwargs) -> bool:
        """Whether the library rolled the rows back (as its `import_data` decides)."""
        return result.has_errors() or (
            kwargs.get("rollback_on_validation_errors") and result.has_validation_errors()
        )

    def import_row(self, row, instance_loader, **kwargs):
        # Each row joins the import's write (import_data); alone (a caller of import_row), a row
        # is a write of its own.
        with services.audited_write():
            return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Set the row's values on `instance`, and check its many-to-many columns too (the
        library sets them after the save, and would fail the row with a traceback)."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as error:
                    errors[field.attribute] = [ValidationError(str(error), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def after_import(self, dataset, result, **kwargs):
        # The library resets the id sequences here, for files that carry ids. Ours carry none,
        # and a reset could move a sequence back under a concurrent insert.
        pass

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related(*self.export_select_related).prefetch_related(
            *self.export_prefetch_related
        )

    @functools.cached_property
    def free_text_fields(self) -> frozenset[str]:
        """The model's texts that people write (titles, names, quotes, notes…): those a CSV
        export escapes. Not slugs, nor a choice's value, which cannot begin a formula and are
        written as they are, as the API's CSV export writes them."""
        return frozenset(
            field.name
            for field in self._meta.model._meta.concrete_fields
            if isinstance(field, CharField | TextField)
            and not isinstance(field, SlugField)
            and not field.choices
        )

    def export_field(self, field, instance, *, escape_formulae: bool = False, **kwargs):
        """A cell of the export; with `escape_formulae` (a CSV file: `CSV`), a free text that a
        spreadsheet would run as a formula gets an apostrophe before it."""
        value = super().export_field(field, instance, **kwargs)
        if escape_formulae and field.attribute in self.free_text_fields and isinstance(value, str):
            return csv_export.text(value)
        return value


class SourceResource(AuditedResource):
    cited_in = fields.Field("cited_in", "cited_in", SlugWidget(models.Source))

    class Meta(AuditedResource.Meta):
        model = models.Source
        name = "Sources, by slug"
        fields = (
            "slug",
            "title",
            "kind",
            "publisher",
            "author",
            "url",
            "published",
            "published_precision",
            "reliability",
            "cited_in",
            "notes",
        )
        import_id_fields = ("slug",)

    export_select_related = ("cited_in",)


class StakeholderResource(AuditedResource):
    aliases = fields.Field("aliases", "aliases", NameListWidget(), default=list)
    sources = fields.Field("sources", "sources", SlugListWidget(models.Source))

    class Meta(AuditedResource.Meta):
        model = models.Stakeholder
        name = "Stakeholders, by slug"
        fields = (
            "slug",
            "name",
            "kind",
            "country",
            "aliases",
            "description",
            "wikidata_id",
            "opensanctions_id",
            "sources",
        )
        import_id_fields = ("slug",)

    export_prefetch_related = ("sources",)


class PolicyOptionResource(AuditedResource):
    topic = fields.Field("topic", "topic", SlugWidget(models.Topic))
    proposer = fields.Field("proposer", "proposer", SlugWidget(models.Stakeholder))
    actors = fields.Field("actors", "actors", SlugListWidget(models.Stakeholder))
    targets = fields.Field("targets", "targets", SlugListWidget(models.Stakeholder))
    venue = fields.Field("venue", "venue", SlugWidget(models.Stakeholder))
    sources = fields.Field("sources", "sources", SlugListWidget(models.Source))

    class Meta(AuditedResource.Meta):
        model = models.PolicyOption
        name = "Policy options, by topic and slug"
        fields = (
            "topic",
            "slug",
            "title",
            "kind",
            "status",
            "description",
            "proposer",
            "actors",
            "targets",
            "venue",
            "start_date",
            "end_date",
            "sources",
        )
        import_id_fields = ("topic", "slug")

    export_select_related = ("topic", "proposer", "venue")
    export_prefetch_related = ("actors", "targets", "sources")


class PositionResource(AuditedResource):
    stakeholder = fields.Field("stakeholder", "stakeholder", SlugWidget(models.Stakeholder))
    # Read by `option` to find the option; an option's topic is not changed from here.
    topic = fields.Field("option__topic__slug", "topic", readonly=True)
    option = fields.Field("option", "option", OptionWidget())
    reported_by = fields.Field("reported_by", "reported_by", SlugWidget(models.Stakeholder))
    source = fields.Field("source", "source", SlugWidget(models.Source))

    class Meta(AuditedResource.Meta):
        model = models.Position
        name = "Positions, by stakeholder, option, basis, date and source"
        fields = (
            "stakeholder",
            "topic",
            "option",
            "stance",
            "basis",
            "reported_by",
            "as_of",
            "as_of_precision",
            "salience",
            "confidence",
            "source",
            "quote",
            "summary",
            "notes",
            "retracted_on",
            "retracted_precision",
        )
        # The model's uniqueness constraint, position_unique_per_source.
        import_id_fields = ("stakeholder", "option", "basis", "as_of", "source")

    export_select_related = ("stakeholder", "option__topic", "reported_by", "source")
