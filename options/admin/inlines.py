"""The admin's inlines: a record's related rows, edited on its page."""

from django.contrib import admin
from django.db.models import TextField
from django.forms import Textarea

from options import models
from options.admin.base import ReferenceGuard


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
