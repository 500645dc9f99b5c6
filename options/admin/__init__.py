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

from django.contrib import admin
from django.db.models import JSONField
from django.forms import Textarea
from django.utils.html import format_html

from options import models, resources
from options.admin import tracking  # noqa: F401 (registers live tracking's admins)
from options.admin.base import (
    RECORD_FIELDSET,
    EditorAdmin,
    HistoryAdmin,
    ReferenceGuard,
    SpreadsheetAdmin,
)
from options.admin.inlines import (
    AffiliationInline,
    EventParticipantInline,
    OptionPositionAddInline,
    OptionPositionListInline,
    PolicyOptionInline,
    PositionDisputeInline,
    SanctionMeasureInline,
    StakeholderPositionAddInline,
    StakeholderPositionListInline,
)

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
