"""
The admin's base classes: every model admin keeps the audit trail (`HistoryAdmin`: one record
per save, reverts with their links, each save and delete one write of the write services),
refuses deletes of what others refer to (`ReferenceGuard`), refuses to save over a change saved
meanwhile (`EditCheckForm`), and imports and exports spreadsheets where it has a resource
(`SpreadsheetAdmin`).
"""

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import router
from django.db.models import URLField
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.decorators.http import require_POST
from import_export.admin import ImportExportMixin
from import_export.forms import ExportForm
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalRecords, to_historic
from simple_history.utils import get_m2m_reverse_field_name

from options import import_limits, models, resources, services
from options.admin import import_previews

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

    history_list_display = ["request_id", "server_request_id"]

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
    An export takes the changelist's filters and search.

    A file over the limits of options/import_limits.py (size, XLSX unpacked, rows, cell length)
    is refused on the upload form, before the preview. Between preview and confirmation the
    file waits under a name the server made and recorded in the editor's session, which alone
    may confirm or cancel it; it is removed then, or after an hour unconfirmed
    (options/admin/import_previews.py)."""

    formats = resources.FORMATS
    # The library's page, listing a file's errors as messages rather than tracebacks, with a
    # "Cancel" beside "Confirm import", and the refusal of a confirmation.
    import_template_name = "admin/options/import.html"
    import_form_class = import_previews.LimitedImportForm
    confirm_form_class = import_previews.PreviewConfirmForm
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
        # format: it recognises its own format classes only, not our XLSX. In a CSV file, a
        # text that a spreadsheet would run as a formula is escaped (resources.CSV).
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request,
            queryset,
            force_native_type=file_format.is_binary(),
            escape_formulae=isinstance(file_format, resources.CSV),
            **kwargs,
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

    # Import limits and previews (options/import_limits.py, options/admin/import_previews.py).

    def get_tmp_storage_class(self):
        storage_class = super().get_tmp_storage_class()
        if not issubclass(storage_class, import_previews.PreviewStorage):
            raise ImproperlyConfigured(
                "IMPORT_EXPORT_TMP_STORAGE_CLASS must be a storage of "
                "options.admin.import_previews, whose names cannot be forged."
            )
        return storage_class

    def write_to_tmp_storage(self, import_file, input_format):
        # As the library's, but joining the chunks once (it adds them one by one).
        storage = self.get_tmp_storage_class()(
            encoding=None if input_format.is_binary() else self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        storage.save(b"".join(import_file.chunks()))
        return storage

    def add_data_read_fail_error_to_form(self, form, e):
        # A file over a limit, found as it is read: say which, not the exception's name.
        if isinstance(e, import_limits.RefusedFile):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        """The upload and its preview. A preview that can be confirmed is recorded in the
        session; any other stored file is removed at once, and so are expired previews."""
        storage_class = self.get_tmp_storage_class()
        storage_class.remove_expired()
        try:
            response = super().import_action(request, **kwargs)
        except BaseException:
            self._discard_upload(request, storage_class)
            raise
        confirm_form = (getattr(response, "context_data", None) or {}).get("confirm_form")
        if confirm_form is None:
            self._discard_upload(request, storage_class)
        else:
            import_previews.issue(
                request,
                confirm_form.initial["import_file_name"],
                model=self.model._meta.label_lower,
                file_format=confirm_form.initial["format"],
                resource=confirm_form.initial["resource"],
                storage_class=storage_class,
            )
        return response

    @staticmethod
    def _discard_upload(request, storage_class):
        upload = request.FILES.get("import_file") if request.method == "POST" else None
        name = getattr(upload, "tmp_storage_name", None)
        if name:
            storage_class(name=name).remove()

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """Confirm import, or cancel it: only a preview issued to this session, for this model,
        format and resource; anything else is refused, reading and removing nothing. The
        preview is removed afterwards, whatever happened."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        name = request.POST.get("import_file_name", "")
        if not import_previews.issued(
            request,
            name,
            model=self.model._meta.label_lower,
            file_format=request.POST.get("format", ""),
            resource=request.POST.get("resource", ""),
        ):
            age = import_previews.max_age()
            return self.refuse_confirmation(
                request,
                "This import cannot be confirmed: its preview was not made in this session (for "
                "this list, in this format), or it was already confirmed or cancelled, or it "
                "expired (a preview waits "
                + (f"{age // 60} minutes" if age >= 120 else f"{age} seconds")
                + " for its confirmation). Nothing was imported.",
            )
        storage = self.get_tmp_storage_class()(name=name)
        try:
            if "cancel" in request.POST:
                messages.info(request, "The import was cancelled: nothing was imported.")
                opts = self.model._meta
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                )
            return super().process_import(request, **kwargs)
        except import_previews.PreviewGone:
            return self.refuse_confirmation(
                request,
                "This import cannot be confirmed: its preview is gone (it expired, or was "
                "confirmed meanwhile). Nothing was imported.",
            )
        except import_limits.RefusedFile as error:  # the limits were lowered meanwhile
            return self.refuse_confirmation(request, f"{error} Nothing was imported.")
        finally:
            storage.remove()
            import_previews.forget(request, name)

    def refuse_confirmation(self, request, message):
        """The import page, with `message` instead of its form, answered 400."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Import",
            "opts": self.model._meta,
            "refusal": message,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context, status=400)
