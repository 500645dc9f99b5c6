"""
Live tracking's admin: subscriptions (each staff user's own; a superuser's, everyone's), their
deliveries (read-only, with their attempts, and sent again on request), and the change events
(read-only: they are derived from writes, never written by hand).

A webhook secret is shown once, in a message, when a subscription is added or its secret
rotated, and never again. A change event's records may be gone: it is shown from the labels it
keeps, never by reading them.
"""

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html

from options import models
from options.api.serializers.subscriptions import feed_urls
from options.tracking import delivery, webhooks

ChangeEvent = models.ChangeEvent


class OwnRecordsAdmin(admin.ModelAdmin):
    """A staff user who is not a superuser sees only their own records (`owner_path`)."""

    owner_path = "owner"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{self.owner_path: request.user})


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs, not records: shown, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Subscriptions ----------------------------------------------------------------------------


class SubscriptionForm(forms.ModelForm):
    # Django 6 makes https the default scheme of a URL typed without one; so do we, now.
    url = forms.URLField(
        label="Webhook URL",
        max_length=2000,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"size": 80}),
        help_text=models.Subscription._meta.get_field("url").help_text,
    )
    event_types = forms.MultipleChoiceField(
        choices=ChangeEvent.Type.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The change event types to deliver; none ticked: all.",
    )

    class Meta:
        model = models.Subscription
        fields = [
            "name",
            "url",
            "is_active",
            "topics",
            "stakeholders",
            "options",
            "event_types",
            "forecast_threshold",
        ]

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url:
            try:
                webhooks.check_url(url)
            except webhooks.UnsafeURL as refusal:
                raise forms.ValidationError(str(refusal), code="unsafe_url") from None
        return url


def _secret_message(subscription, secret: str, what: str) -> str:
    return format_html(
        "{} of “{}”: <code>{}</code>. Copy it now: it is not shown again.",
        what,
        subscription,
        secret,
    )


@admin.register(models.Subscription)
class SubscriptionAdmin(OwnRecordsAdmin):
    form = SubscriptionForm
    list_display = ("name", "owner", "url", "is_active", "consecutive_failures", "updated")
    list_filter = ("is_active", "topics")
    list_select_related = ("owner",)
    search_fields = ("name", "url", "owner__username")
    autocomplete_fields = ("topics", "stakeholders", "options")
    readonly_fields = (
        "owner",
        "feeds",
        "disabled_reason",
        "consecutive_failures",
        "previous_secret_expires",
        "lease_until",
        "lease_owner",
        "created",
        "updated",
    )
    fieldsets = (
        (None, {"fields": ("name", "owner", "url", "is_active", "disabled_reason")}),
        ("What it follows", {"fields": ("topics", "stakeholders", "options", "event_types")}),
        ("Forecast shifts", {"fields": ("forecast_threshold",)}),
        ("Feeds", {"fields": ("feeds",)}),
        (
            "Delivery state",
            {
                "fields": (
                    "consecutive_failures",
                    "previous_secret_expires",
                    "lease_until",
                    "lease_owner",
                    "created",
                    "updated",
                ),
                "classes": ("collapse",),
            },
        ),
    )
    actions = ["rotate_secret"]

    @admin.display(description="feeds")
    def feeds(self, subscription):
        if subscription.pk is None:
            return "Shown once the subscription is saved."
        urls = feed_urls(subscription)  # under the service's public address, BASE_URL
        return format_html(
            'Atom: <a href="{}">{}</a><br>JSON Feed: <a href="{}">{}</a>',
            urls["atom"],
            urls["atom"],
            urls["json"],
            urls["json"],
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.owner = request.user
        elif "is_active" in form.changed_data and obj.is_active:
            # Made active again: the failures that disabled it are behind it.
            obj.disabled_reason, obj.consecutive_failures = "", 0
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, _secret_message(obj, obj.secret, "The webhook secret"), messages.WARNING
        )
        return super().response_add(request, obj, post_url_continue)

    def get_deleted_objects(self, objs, request):
        # A subscription's deliveries are its own: deleting it deletes them, whoever may not
        # delete deliveries by themselves.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(models.Delivery._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    @admin.action(description="Rotate the webhook secret", permissions=["change"])
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            secret = delivery.rotate_secret(subscription)
            message = _secret_message(subscription, secret, "The new webhook secret")
            self.message_user(request, message, messages.WARNING)
        self.message_user(
            request,
            "The previous secrets still sign deliveries for "
            f"{delivery.ROTATION_OVERLAP.total_seconds() / 3600:g} hours.",
        )


# --- Deliveries -------------------------------------------------------------------------------


class DeliveryAttemptInline(admin.TabularInline):
    model = models.DeliveryAttempt
    fields = (
        "number",
        "started",
        "url",
        "status_code",
        "latency_ms",
        "succeeded",
        "error",
        "response_excerpt",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(models.Delivery)
class DeliveryAdmin(ReadOnlyAdmin, OwnRecordsAdmin):
    owner_path = "subscription__owner"
    list_display = ("change_event", "subscription", "status", "attempts", "created")
    list_filter = ("status",)
    list_select_related = ("change_event", "subscription")
    search_fields = ("webhook_id", "change_event__title", "subscription__name")
    date_hierarchy = "created"
    fields = (
        "subscription",
        "change_event",
        "webhook_id",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
        "created",
    )
    readonly_fields = fields
    inlines = (DeliveryAttemptInline,)
    actions = ["redeliver"]

    @admin.action(description="Send again (redeliver)", permissions=["view"])
    def redeliver(self, request, queryset):
        sent, refused = 0, {}
        for chosen in queryset.select_related("subscription"):
            try:
                delivery.redeliver(chosen)
            except ValueError as refusal:
                refused.setdefault(str(refusal), []).append(chosen)
            else:
                sent += 1
        if sent:
            self.message_user(request, f"{sent} deliveries queued to be sent again.")
        for reason, deliveries in refused.items():
            self.message_user(
                request, f"{len(deliveries)} not sent again: {reason}", messages.ERROR
            )


# --- Change events ----------------------------------------------------------------------------


def _record_label(key: str, label: str):
    """A column of the record an event names, from the label the event keeps (Django would
    read the record, and show nothing once it is gone)."""

    @admin.display(description=key)
    def show(self, event):
        pk = getattr(event, f"{key}_id")
        if pk is None:
            return None
        stored = (event.data or {}).get("records", {}).get(key) or {}
        return f"{stored.get(label) or key} (#{pk})"

    return show


@admin.register(ChangeEvent)
class ChangeEventAdmin(ReadOnlyAdmin):
    list_display = ("title", "type", "topic_label", "occurred")
    list_filter = ("type", "topic")
    search_fields = ("title",)
    date_hierarchy = "occurred"
    fieldsets = (
        (None, {"fields": ("type", "title", "occurred", "digest", "write", "user", "request_id")}),
        (
            "What it names",
            {
                "fields": (
                    "topic_label",
                    "stakeholder_label",
                    "option_label",
                    "position_label",
                    "event_label",
                    "source_label",
                    "stakeholder_ids",
                    "option_ids",
                )
            },
        ),
        ("What changed", {"fields": ("before", "after", "data")}),
    )
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]
    topic_label = _record_label("topic", "title")
    stakeholder_label = _record_label("stakeholder", "name")
    option_label = _record_label("option", "title")
    position_label = _record_label("position", "label")
    event_label = _record_label("event", "title")
    source_label = _record_label("source", "title")
