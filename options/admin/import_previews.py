"""
Where an admin import's file waits between its preview and its confirmation, and who may
confirm it (`SpreadsheetAdmin`, options/admin/base.py).

django-import-export keeps the uploaded file in a temporary storage and posts its name back
with "Confirm import", then reads the file of whatever name comes back, and deletes it. Here:

- The name is made by the server, at random (`secrets.token_urlsafe`), and the storage takes
  no other kind of name: nothing with a path in it reaches a file or a cache key.
- The name is recorded in the editor's session with the model, format and resource it was
  previewed with; confirming (or cancelling) takes only a name recorded in the same session,
  for the same model, format and resource, and younger than `IMPORT_PREVIEW_MAX_AGE`.
- A preview is removed once confirmed or cancelled, and at once when it shows errors (it cannot
  be confirmed); one never confirmed is removed when it is older than `IMPORT_PREVIEW_MAX_AGE`,
  by the next import (any editor's, on any model) or by the cache's expiry (Redis).
- Each session keeps at most `MAX_PREVIEWS_PER_SESSION` previews; a new one removes the oldest.

Two storages, one of them chosen by `IMPORT_EXPORT_TMP_STORAGE_CLASS` (policytracker/settings.py):
`PreviewCacheStorage`, in the cache (Redis, which every server shares), and
`PreviewFolderStorage`, in a folder of this machine (`IMPORT_PREVIEW_DIR`), which its workers
share.
"""

import os
import re
import secrets
import stat
import tempfile
import time

from django import forms
from django.conf import settings
from django.core.cache import cache
from import_export import forms as import_export_forms
from import_export import tmp_storages

from options import import_limits

#: What `new_name()` makes, and all that a preview's name may be.
NAME = re.compile(r"[A-Za-z0-9_-]{43}")
SESSION_KEY = "policytracker_import_previews"
MAX_PREVIEWS_PER_SESSION = 5


class PreviewGone(LookupError):
    """The preview's file is not in the storage (anymore)."""


def new_name() -> str:
    return secrets.token_urlsafe(32)


def is_name(name) -> bool:
    return isinstance(name, str) and NAME.fullmatch(name) is not None


def max_age() -> int:
    return settings.IMPORT_PREVIEW_MAX_AGE


class PreviewStorage(tmp_storages.BaseStorage):
    """The storages' common part: names made here, and checked before any use."""

    def checked_name(self) -> str:
        if not is_name(self.name):
            raise PreviewGone("Not the name of a preview.")
        return self.name

    def exists(self) -> bool:
        raise NotImplementedError

    @classmethod
    def remove_expired(cls) -> None:
        """Removes the previews older than `IMPORT_PREVIEW_MAX_AGE`, where the storage does not
        expire them by itself."""


class PreviewFolderStorage(PreviewStorage, tmp_storages.TempFolderStorage):
    """In a folder of its own, readable by this server's user only, one file per preview."""

    @staticmethod
    def folder() -> str:
        return settings.IMPORT_PREVIEW_DIR or os.path.join(
            tempfile.gettempdir(), "policytracker-import-previews"
        )

    @classmethod
    def make_folder(cls) -> str:
        folder = cls.folder()
        os.makedirs(folder, mode=0o700, exist_ok=True)
        # In a temporary folder that others may write to, refuse one that someone else made.
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
            raise RuntimeError(f"{folder} is not a folder of this server's user.")
        return folder

    def get_full_path(self) -> str:
        return os.path.join(self.folder(), self.checked_name())

    def save(self, data):
        if isinstance(data, str):
            data = data.encode(self.encoding or "utf-8")
        self.make_folder()
        self.name = new_name()
        descriptor = os.open(self.get_full_path(), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)

    def read(self):
        # As the library's storage reads: a text format in text mode (universal newlines).
        try:
            with open(self.get_full_path(), self.read_mode, encoding=self.encoding) as file:
                return file.read()
        except FileNotFoundError:
            raise PreviewGone(self.name) from None

    def remove(self):
        try:
            os.remove(self.get_full_path())
        except FileNotFoundError:
            pass

    def exists(self) -> bool:
        return os.path.isfile(self.get_full_path())

    @classmethod
    def remove_expired(cls) -> None:
        cutoff = time.time() - max_age()
        try:
            entries = list(os.scandir(cls.folder()))
        except FileNotFoundError:
            return
        for entry in entries:
            try:
                if (
                    is_name(entry.name)
                    and entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_mtime < cutoff
                ):
                    os.remove(entry.path)
            except FileNotFoundError:  # removed meanwhile, by another worker
                pass


class PreviewCacheStorage(PreviewStorage, tmp_storages.CacheStorage):
    """In the cache (Redis), which expires a preview by itself after `IMPORT_PREVIEW_MAX_AGE`."""

    CACHE_PREFIX = "policytracker-import-preview-"

    def key(self) -> str:
        return self.CACHE_PREFIX + self.checked_name()

    def save(self, data):
        self.name = new_name()
        cache.set(self.key(), data, max_age())

    def read(self):
        data = cache.get(self.key())
        if data is None:
            raise PreviewGone(self.name)
        return data

    def remove(self):
        cache.delete(self.key())

    def exists(self) -> bool:
        return cache.has_key(self.key())


# The session's record of the previews made for it ------------------------------------------------


def _previews(request) -> dict[str, dict]:
    """The session's previews that have not expired, by name."""
    recorded = request.session.get(SESSION_KEY)
    if not isinstance(recorded, dict):
        return {}
    cutoff = time.time() - max_age()
    return {
        name: record
        for name, record in recorded.items()
        if is_name(name) and isinstance(record, dict) and record.get("at", 0) >= cutoff
    }


def issue(request, name: str, *, model: str, file_format, resource, storage_class) -> None:
    """Records the preview `name` in the request's session, for `model` (its label), the format
    and the resource (their indexes in the import form) it was previewed with. Beyond
    `MAX_PREVIEWS_PER_SESSION`, the oldest previews are removed."""
    previews = _previews(request)
    previews[name] = {
        "model": model,
        "format": str(file_format),
        "resource": str(resource or ""),
        "at": time.time(),
    }
    for old in sorted(previews, key=lambda key: previews[key]["at"])[:-MAX_PREVIEWS_PER_SESSION]:
        storage_class(name=old).remove()
        del previews[old]
    request.session[SESSION_KEY] = previews


def issued(request, name, *, model: str, file_format, resource) -> bool:
    """Whether `name` is a preview made for this session, for this model, format and resource,
    and not expired."""
    if not is_name(name):
        return False
    record = _previews(request).get(name)
    return (
        record is not None
        and record["model"] == model
        and record["format"] == str(file_format)
        and record["resource"] == str(resource or "")
    )


def forget(request, name: str) -> None:
    """Takes `name` off the session's previews."""
    previews = _previews(request)
    previews.pop(name, None)
    if SESSION_KEY in request.session:
        request.session[SESSION_KEY] = previews


# The import page's forms -----------------------------------------------------------------------


class LimitedImportForm(import_export_forms.ImportForm):
    """The library's upload form, which also refuses a file over the limits that can be checked
    before it is read (options/import_limits.py): its size, and an XLSX file's archive. The rows
    and cells are counted as the file is read, before the preview."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.import_formats = formats
        limit = import_limits.limits()
        self.fields["import_file"].help_text = (
            f"At most {import_limits.size(limit.max_bytes)} "
            f"(XLSX: {import_limits.size(limit.max_decompressed_bytes)} unpacked), "
            f"{limit.max_rows:,} rows under the headers and {limit.max_cell_chars:,} "
            "characters in a cell."
        )

    def clean(self):
        cleaned_data = super().clean()
        upload = cleaned_data.get("import_file")
        if upload is None:
            return cleaned_data
        index = cleaned_data.get("format")
        file_format = self.import_formats[int(index)]() if index not in (None, "") else None
        try:
            import_limits.check_upload(upload, file_format)
        except import_limits.RefusedFile as error:
            self.add_error("import_file", str(error))
        return cleaned_data


class PreviewConfirmForm(import_export_forms.ConfirmImportForm):
    """The library's "Confirm import" form, which takes the name of a preview as it is or not
    at all: the library's keeps the last part of any path it is sent, and so reaches any file
    at the top of the temporary folder. (The admin checks that the name was issued to the
    session before this form is read: `SpreadsheetAdmin.process_import`.)"""

    def clean_import_file_name(self):
        name = self.cleaned_data["import_file_name"]
        if not is_name(name):
            raise forms.ValidationError("Not the name of a preview.", code="invalid")
        return name
