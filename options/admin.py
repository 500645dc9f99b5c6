"""
The editors' admin. Every model is here, with search, filters and autocomplete widgets, so that an
editor never scrolls a select of thousands of stakeholders.

Three rules shape it:
- Validation is the models' own (`full_clean()`), so the admin refuses what the API refuses, with
  the same message.
- A delete that would lose evidence is refused: foreign keys are `PROTECT`, and `ReferenceGuard`
  adds the many-to-many links (which Django would otherwise cut silently) to the list of
  protected objects that the delete page shows instead of deleting.
- Every change is in the audit trail: each page's "History" lists the object's changes (who,
  when, which request, what changed) and opens any past version, which saving restores
  (`HistoryAdmin`), through the same form and validation as an edit.

Sources, stakeholders, options and positions are also imported and exported as spreadsheets
(`SpreadsheetAdmin`, with the resources of options/resources.py), under the same three rules.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router
from django.db.models import JSONField, TextField, URLField
from django.forms import Textarea
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords, to_historic
from simple_history.utils import get_m2m_reverse_field_name

from options import models, resources, services

RECORD_FIELDSET = ("Record", {"fields": ("created", "updated"), "classes": ("collapse",)})


def describe_for_admin(obj) -> str:
    """`Position: <link to its change page>`, as Django lists protected objects."""
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
    except NoReverseMatch:
        return f"{capfirst(opts.verbose_name)}: {obj}"
    return format_html('{}: <a href="{}">{}</a>', capfirst(opts.verbose_name), url, obj)


class ReferenceGuard:
    """Refuses deletes of objects that others still refer to through a many-to-many field."""

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for obj in objs:
            protected.extend(
                describe_for_admin(referrer) for referrer in models.many_to_many_referrers(obj)
            )
        return deleted, model_count, perms_needed, protected


def historical_links(record) -> dict[str, list[int]]:
    """The many-to-many links a historical record kept, by field name: the ids linked then."""
    links = {}
    for field in record._history_m2m_fields:
        m2m_history_model = HistoricalRecords.m2m_models[field]
        target = m2m_history_model._meta.get_field(get_m2m_reverse_field_name(field)).attname
        links[field.name] = list(
            m2m_history_model.objects.filter(history=record).values_list(target, flat=True)
        )
    return links


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's history pages, with:

    - one historical record per object and save (the object, then its many-to-many fields and
      inlines, would otherwise record one each);
    - a revert that restores the many-to-many links of the past version too (simple-history
      shows the current ones), and that only those who may change the object can save: the
      version is shown in the change form and saved through it, validation included;
    - the request id of each change listed.
    """

    history_list_display = ["request_id"]

    # A page's save (the object, its many-to-many fields, its inlines) is one write of the
    # write services (options/services.py), and so is each delete.
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with services.audited_write(using=router.db_for_write(self.model)):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and self.revert_disabled(request):
            raise PermissionDenied
        with services.audited_write(using=router.db_for_write(self.model)):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def delete_model(self, request, obj):
        services.record_delete(obj)

    def delete_queryset(self, request, queryset):
        with services.audited_write(using=router.db_for_write(self.model)):
            for obj in queryset:
                services.record_delete(obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        record = to_historic(obj) if obj is not None else None
        links = historical_links(record) if record is not None else {}
        if not links:
            return form

        class PastVersionForm(form):
            def __init__(self, *args, initial=None, **kwargs):
                super().__init__(*args, initial={**links, **(initial or {})}, **kwargs)

        return PastVersionForm


class EditCheckForm(forms.ModelForm):
    """Refuses to save over a change someone else saved after this form was opened: the form
    carries the version it was opened at, and saving holds the record at that version (inside
    the admin's transaction) or fails with a message, overwriting nothing."""

    opened_at_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk is not None:
            # The version in the database, not the copy's: a revert opens a past copy.
            manager = type(self.instance)._base_manager
            self.fields["opened_at_version"].initial = (
                manager.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            )

    def clean(self):
        cleaned_data = super().clean()
        opened_at = cleaned_data.get("opened_at_version")
        if (
            self.instance.pk is not None
            and opened_at is not None
            and not self.instance.lock_at_version([opened_at])
        ):
            raise ValidationError(
                f"Someone else saved this {self.instance._meta.verbose_name} after you opened "
                "it, so your changes were not saved and nothing was overwritten. Copy what you "
                "need from this page, reload it to see their version, then make your changes "
                "again.",
                code="stale",
            )
        return cleaned_data


class EditorAdmin(ReferenceGuard, HistoryAdmin):
    """The common base: timestamps shown read-only, deletes guarded, edits checked against
    changes saved meanwhile."""

    form = EditCheckForm
    readonly_fields = ("created", "updated")
    list_per_page = 50
    # Django 6 makes https the default scheme of a URL typed without one; so do we, now.
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def get_fieldsets(self, request, obj=None):
        (name, options), *rest = super().get_fieldsets(request, obj)
        fields = [*options["fields"], "opened_at_version"]
        return [(name, {**options, "fields": list(dict.fromkeys(fields))}), *rest]


class SpreadsheetAdmin(ImportExportMixin):
    """Import and export of the changelist as CSV, XLSX or JSON (options/resources.py). A mixin:
    list it before the admin's base class, whose ModelAdmin methods would otherwise shadow its
    own (its pages' URLs, the changelist's buttons).

    An import is previewed first: every row is validated and saved in a transaction that is
    rolled back (the library's dry run), and the page shows what would be created, changed or
    left as it is, or each bad row's errors. Confirming imports the file again, all or nothing.
    An export takes the changelist's filters and search."""

    formats = resources.FORMATS
    # The library's page, listing a file's errors as messages rather than tracebacks.
    import_template_name = "admin/options/import.html"
    # Every column, always, so that an export re-imports (the library's field picker also
    # needs an inline script, which the Content-Security-Policy blocks).
    export_form_class = ExportForm

    def has_import_permission(self, request):
        # An import both adds records and changes them.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_export_data(self, file_format, request, queryset, **kwargs):
        # As the library's, but with typed cells (numbers, dates, booleans) in every binary
        # format: it recognises its own format classes only, not our XLSX.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=file_format.is_binary(), **kwargs
        )
        return file_format.export_data(data)

    def get_import_data_kwargs(self, **kwargs):
        # All or nothing, when confirming too: the library would save the valid rows and drop
        # those that became invalid since the preview.
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            messages.error(
                request,
                "Nothing was imported: some rows failed on confirmation, though the preview "
                "passed (the records they refer to may have changed meanwhile). Import the file "
                "again to see which rows fail, and why.",
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)


class GuardedTabularInline(ReferenceGuard, admin.TabularInline):
    extra = 0
    show_change_link = True
    # Rows stay one line high: quotes in inlines are short.
    formfield_overrides = {TextField: {"widget": Textarea(attrs={"rows": 2, "cols": 40})}}


# Inlines ----------------------------------------------------------------------------------------


class AffiliationInline(GuardedTabularInline):
    model = models.Affiliation
    fk_name = "subject"
    fields = ("kind", "object", "role", "start_date", "end_date", "source", "quote")
    autocomplete_fields = ("object", "source")
    verbose_name_plural = "affiliations (this stakeholder is the subject)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("object", "source")


class PositionListInline(GuardedTabularInline):
    """The positions already recorded, read-only and linked: a stakeholder may have hundreds,
    and an editable row costs a query per autocomplete widget. Edit one on its own page."""

    model = models.Position
    fields = ("as_of", "stakeholder", "option", "stance", "basis", "source", "retracted_on")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "positions"

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("stakeholder", "option__topic", "source")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PositionAddInline(GuardedTabularInline):
    """Blank rows for recording new positions from the stakeholder's or the option's page."""

    model = models.Position
    fields = (
        "stakeholder",
        "option",
        "stance",
        "basis",
        "reported_by",
        "as_of",
        "as_of_precision",
        "salience",
        "source",
        "quote",
    )
    autocomplete_fields = ("stakeholder", "option", "reported_by", "source")
    extra = 1
    show_change_link = False
    verbose_name_plural = "add positions"

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_view_permission(self, request, obj=None):
        # Shown only to those who may add: it lists nothing, it is a form for new rows.
        return self.has_add_permission(request, obj)


class StakeholderPositionListInline(PositionListInline):
    fk_name = "stakeholder"
    fields = tuple(name for name in PositionListInline.fields if name != "stakeholder")
    readonly_fields = fields


class StakeholderPositionAddInline(PositionAddInline):
    fk_name = "stakeholder"
    fields = tuple(name for name in PositionAddInline.fields if name != "stakeholder")


class OptionPositionListInline(PositionListInline):
    fk_name = "option"
    fields = tuple(name for name in PositionListInline.fields if name != "option")
    readonly_fields = fields


class OptionPositionAddInline(PositionAddInline):
    fk_name = "option"
    fields = tuple(name for name in PositionAddInline.fields if name != "option")


class SanctionMeasureInline(GuardedTabularInline):
    model = models.SanctionMeasure
    fields = (
        "measure_type",
        "imposing_authority",
        "target",
        "legal_basis",
        "effective_date",
        "end_date",
        "source",
    )
    autocomplete_fields = ("imposing_authority", "target", "source")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("imposing_authority", "target", "source")
        )


class PolicyOptionInline(GuardedTabularInline):
    model = models.PolicyOption
    fields = ("title", "slug", "kind", "status", "start_date", "end_date")
    prepopulated_fields = {"slug": ("title",)}
    verbose_name_plural = "policy options"


class PositionDisputeInline(GuardedTabularInline):
    model = models.PositionDispute
    fields = ("disputed_by", "date", "date_precision", "source", "quote")
    autocomplete_fields = ("disputed_by", "source")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("disputed_by", "source")


class EventParticipantInline(GuardedTabularInline):
    model = models.EventParticipant
    fields = ("stakeholder", "role")
    autocomplete_fields = ("stakeholder",)
    show_change_link = False
    verbose_name_plural = "participants"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stakeholder")


# Model admins -----------------------------------------------------------------------------------


@admin.register(models.Source)
class SourceAdmin(SpreadsheetAdmin, EditorAdmin):
    resource_classes = (resources.SourceResource,)
    list_display = ("title", "kind", "reliability", "publisher", "published", "cited_in")
    list_filter = ("kind", "reliability", "published_precision")
    list_select_related = ("cited_in",)
    search_fields = ("title", "slug", "publisher", "author", "url")
    autocomplete_fields = ("cited_in",)
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published"
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "publisher", "author", "url")}),
        ("Reliability", {"fields": ("reliability",)}),
        ("Date", {"fields": ("published", "published_precision")}),
        ("Provenance", {"fields": ("cited_in", "notes")}),
        RECORD_FIELDSET,
    )


@admin.register(models.Topic)
class TopicAdmin(EditorAdmin):
    list_display = ("title", "slug", "country", "page_link")
    list_filter = ("country",)
    search_fields = ("title", "slug", "question", "description")
    autocomplete_fields = ("sources",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = (PolicyOptionInline,)

    @admin.display(description="page")
    def page_link(self, topic):
        return format_html('<a href="{}">stance matrix</a>', topic.get_absolute_url())


@admin.register(models.Stakeholder)
class StakeholderAdmin(SpreadsheetAdmin, EditorAdmin):
    resource_classes = (resources.StakeholderResource,)
    list_display = ("name", "kind", "country", "wikidata_id", "updated")
    list_filter = ("kind", "country")
    search_fields = ("name", "slug", "aliases", "description", "wikidata_id", "opensanctions_id")
    autocomplete_fields = ("sources",)
    prepopulated_fields = {"slug": ("name",)}
    formfield_overrides = {
        **EditorAdmin.formfield_overrides,
        JSONField: {
            "widget": Textarea(attrs={"rows": 2, "cols": 60}),
            "help_text": 'Other names, as a JSON list: ["Padrino López", "General Padrino"].',
        },
    }
    fieldsets = (
        (None, {"fields": ("name", "slug", "kind", "country", "aliases", "description")}),
        ("Identifiers", {"fields": ("wikidata_id", "opensanctions_id")}),
        ("Evidence", {"fields": ("sources",)}),
        RECORD_FIELDSET,
    )
    inlines = (AffiliationInline, StakeholderPositionListInline, StakeholderPositionAddInline)


@admin.register(models.Affiliation)
class AffiliationAdmin(EditorAdmin):
    list_display = ("subject", "kind", "object", "role", "start_date", "end_date")
    list_filter = ("kind",)
    list_select_related = ("subject", "object")
    search_fields = ("subject__name", "object__name", "role")
    autocomplete_fields = ("subject", "object", "source")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("subject", "kind", "object", "role")}),
        ("Dates", {"fields": ("start_date", "end_date")}),
        ("Evidence", {"fields": ("source", "quote", "notes")}),
        RECORD_FIELDSET,
    )


@admin.register(models.PolicyOption)
class PolicyOptionAdmin(SpreadsheetAdmin, EditorAdmin):
    resource_classes = (resources.PolicyOptionResource,)
    list_display = ("title", "topic", "kind", "status", "proposer", "start_date")
    list_filter = ("topic", "kind", "status")
    list_select_related = ("topic", "proposer")
    search_fields = ("title", "slug", "description", "topic__title")
    autocomplete_fields = ("topic", "proposer", "actors", "targets", "venue", "sources")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("topic", "title", "slug", "kind", "status", "description")}),
        ("Who", {"fields": ("proposer", "actors", "targets", "venue")}),
        ("Dates", {"fields": ("start_date", "end_date")}),
        ("Evidence", {"fields": ("sources",)}),
        RECORD_FIELDSET,
    )
    inlines = (SanctionMeasureInline, OptionPositionListInline, OptionPositionAddInline)

    def get_inlines(self, request, obj):
        if obj and obj.kind != models.PolicyOption.Kind.SANCTIONS:
            return [inline for inline in self.inlines if inline is not SanctionMeasureInline]
        return self.inlines


@admin.register(models.SanctionMeasure)
class SanctionMeasureAdmin(EditorAdmin):
    list_display = ("measure_type", "option", "target", "imposing_authority", "effective_date")
    list_filter = ("measure_type", "option__topic")
    list_select_related = ("option", "target", "imposing_authority")
    search_fields = ("option__title", "target__name", "legal_basis", "programme_code")
    autocomplete_fields = ("option", "imposing_authority", "target", "source")
    date_hierarchy = "effective_date"
    fieldsets = (
        (None, {"fields": ("option", "measure_type", "imposing_authority", "target")}),
        ("Legal", {"fields": ("legal_basis", "programme_code", "description")}),
        ("Dates", {"fields": ("threatened_date", "listed_date", "effective_date", "end_date")}),
        ("Evidence", {"fields": ("source", "quote")}),
        RECORD_FIELDSET,
    )


class RetractedFilter(admin.SimpleListFilter):
    title = "retracted"
    parameter_name = "retracted"

    def lookups(self, request, model_admin):
        return [("yes", "Retracted"), ("no", "Not retracted")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(retracted_on__isnull=self.value() == "no")
        return queryset


@admin.register(models.Position)
class PositionAdmin(SpreadsheetAdmin, EditorAdmin):
    resource_classes = (resources.PositionResource,)
    list_display = ("stakeholder", "option", "stance_display", "basis_code", "as_of", "source")
    list_filter = ("basis", "confidence", RetractedFilter, "option__topic", "option__kind")
    list_select_related = ("stakeholder", "option", "source")
    search_fields = ("stakeholder__name", "option__title", "quote", "summary")
    autocomplete_fields = ("stakeholder", "option", "reported_by", "source")
    date_hierarchy = "as_of"
    fieldsets = (
        (None, {"fields": ("stakeholder", "option", "stance", "basis", "reported_by")}),
        ("Date", {"fields": ("as_of", "as_of_precision")}),
        ("Weight", {"fields": ("salience", "confidence")}),
        ("Retraction", {"fields": ("retracted_on", "retracted_precision")}),
        ("Evidence", {"fields": ("source", "quote", "summary", "notes")}),
        RECORD_FIELDSET,
    )
    inlines = (PositionDisputeInline,)

    @admin.display(description="stance", ordering="stance")
    def stance_display(self, position):
        return f"{position.stance:+d} {position.stance_label}"

    @admin.display(description="basis", ordering="basis")
    def basis_code(self, position):
        return position.basis  # "stated": the labels explain too much for a column


@admin.register(models.PositionDispute)
class PositionDisputeAdmin(EditorAdmin):
    list_display = ("position", "disputed_by", "date", "source")
    list_select_related = ("position__stakeholder", "position__option", "disputed_by", "source")
    search_fields = ("position__stakeholder__name", "disputed_by__name", "quote")
    autocomplete_fields = ("position", "disputed_by", "source")
    date_hierarchy = "date"


@admin.register(models.Event)
class EventAdmin(EditorAdmin):
    list_display = ("title", "topic", "date", "certainty", "location")
    list_filter = ("topic", "certainty")
    list_select_related = ("topic",)
    search_fields = ("title", "slug", "description", "location")
    autocomplete_fields = ("topic", "options", "sources", "claimed_by", "denied_by")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "date"
    fieldsets = (
        (None, {"fields": ("topic", "title", "slug", "description", "location")}),
        ("Date", {"fields": ("date", "date_precision")}),
        ("Certainty", {"fields": ("certainty", "claimed_by", "denied_by")}),
        ("Related", {"fields": ("options", "sources")}),
        RECORD_FIELDSET,
    )
    inlines = (EventParticipantInline,)


@admin.register(models.EventParticipant)
class EventParticipantAdmin(ReferenceGuard, HistoryAdmin):
    list_display = ("stakeholder", "event", "role")
    list_select_related = ("stakeholder", "event")
    search_fields = ("stakeholder__name", "event__title", "role")
    autocomplete_fields = ("event", "stakeholder")


@admin.register(models.Influence)
class InfluenceAdmin(EditorAdmin):
    list_display = ("stakeholder", "topic", "option", "capability", "as_of", "source")
    list_filter = ("topic", ("option", admin.EmptyFieldListFilter))
    list_select_related = ("stakeholder", "topic", "option", "source")
    search_fields = ("stakeholder__name", "rationale")
    autocomplete_fields = ("stakeholder", "topic", "option", "source")
    date_hierarchy = "as_of"
