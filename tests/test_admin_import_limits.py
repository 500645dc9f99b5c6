"""The admin import's limits and its previews (options/import_limits.py,
options/admin/import_previews.py), through its pages as an editor, or someone with an editor's
account, uses them: files too large, zip bombs, too many rows, too long cells; previews that
only their own session may confirm, whose names reach no other file, and that are removed once
confirmed, cancelled, failed or expired."""

import io
import json
import os
import re
import struct
import tempfile
import time
import uuid
import zipfile
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from openpyxl import Workbook

from options import import_limits, models
from options.admin import import_previews
from tests.conftest import editors_group
from tests.settings_probe import settings_in_a_fresh_process
from tests.test_admin_import_export import FORMATS, admin_url, confirm, csv_text, preview

pytestmark = pytest.mark.django_db

SOURCE = {"slug": "tweet", "title": "A tweet", "kind": "social_media"}


@pytest.fixture(autouse=True)
def preview_folder(settings, tmp_path):
    """The previews' folder, this test's own."""
    settings.IMPORT_PREVIEW_DIR = str(tmp_path / "previews")
    return tmp_path / "previews"


def stored(folder) -> list[str]:
    return sorted(os.listdir(folder)) if folder.exists() else []


def make_editor(django_user_model, username="editor"):
    editor = django_user_model.objects.create_user(username, is_staff=True)
    editor.groups.add(editors_group())
    return editor


@pytest.fixture
def editor_admin(client, django_user_model):
    client.force_login(make_editor(django_user_model))
    return client


def refused_upload(response) -> str:
    """The import page's error on the file field, for an upload refused before its preview."""
    assert response.status_code == 200
    assert response.context.get("result") is None, "the file was previewed"
    assert response.context.get("confirm_form") is None
    [message] = response.context["form"].errors["import_file"]
    assert message in response.content.decode().replace("&#x27;", "'")
    return message


def refused_confirmation(response) -> str:
    assert response.status_code == 400, response.content[:2000]
    message = response.context["refusal"]
    assert message.startswith("This import cannot be confirmed")
    assert "Nothing was imported." in message
    assert message in response.content.decode().replace("&#x27;", "'")
    return message


def xlsx(*rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    content = io.BytesIO()
    workbook.save(content)
    return content.getvalue()


def xlsx_with_sheet_data(sheet_data: str) -> bytes:
    """A real XLSX file whose sheet's rows are `sheet_data` (the XML of <sheetData>)."""
    source = zipfile.ZipFile(io.BytesIO(xlsx(["slug"])))
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # Without its <dimension>, which says which cells openpyxl reads.
                head, _, rest = re.sub("<dimension[^>]*>", "", data.decode()).partition(
                    "<sheetData>"
                )
                tail = rest.partition("</sheetData>")[2]
                data = f"{head}<sheetData>{sheet_data}</sheetData>{tail}"
            archive.writestr(info.filename, data)
    return content.getvalue()


def sheet_data(*rows) -> str:
    """The XML of a sheet's rows of text, which openpyxl would cut at 32,767 characters."""
    return "".join(
        f'<row r="{number}">'
        + "".join(
            f'<c r="{chr(ord("A") + column)}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
            for column, text in enumerate(row)
        )
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )


def one_cell_sheet(text_length: int) -> bytes:
    """An XLSX file of a "slug" header and one cell of `text_length` characters under it."""
    return xlsx_with_sheet_data(sheet_data(["slug"], ["x" * text_length]))


def with_declared_size(content: bytes, name: str, declared: int) -> bytes:
    """`content`, a zip archive, with its directory saying that `name` unpacks to `declared`
    bytes: a lie that the stdlib's zipfile believes until it has unpacked it all in memory."""
    data = bytearray(content)
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if data[entry + 46 : entry + 46 + name_length] == name.encode():
            struct.pack_into("<L", data, entry + 24, declared)
            return bytes(data)
        entry = data.find(b"PK\x01\x02", entry + 4)
    raise AssertionError(f"{name} is not in the archive")


# --- Limits -------------------------------------------------------------------------------------


def test_the_limits_have_defaults_and_environment_variables():
    names = (
        "IMPORT_MAX_BYTES",
        "IMPORT_MAX_DECOMPRESSED_BYTES",
        "IMPORT_MAX_ROWS",
        "IMPORT_MAX_CELL_CHARS",
        "IMPORT_PREVIEW_MAX_AGE",
    )
    expression = "[" + ", ".join(f"settings.{name}" for name in names) + "]"
    assert settings_in_a_fresh_process(expression, unset=["POLICYTRACKER_IMPORT_"]) == [
        5 * 1024 * 1024,
        50 * 1024 * 1024,
        2000,
        32767,
        3600,
    ]
    assert settings_in_a_fresh_process(
        expression,
        **{f"POLICYTRACKER_{name}": str(number) for number, name in enumerate(names, start=1)},
    ) == [1, 2, 3, 4, 5]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(editor_admin, preview_folder):
    content = "slug,title,kind\n" + "\n" * (5 * 1024 * 1024)  # 5 MiB and 16 bytes

    with mock.patch("tablib.import_set") as read:
        message = refused_upload(preview(editor_admin, models.Source, content))

    assert message == (
        "The file is 5.0 MB: an import takes files of at most 5.0 MB. Split it into smaller files."
    )
    assert not read.called
    assert stored(preview_folder) == []


def test_an_xlsx_zip_bomb_is_refused_before_the_spreadsheet_reader_opens_it(
    editor_admin, preview_folder
):
    bomb = one_cell_sheet(51 * 1024 * 1024)  # 51 MiB in one cell, packed in 50 KiB or so
    assert len(bomb) < 200_000

    started = time.monotonic()
    with mock.patch("openpyxl.load_workbook") as load_workbook:
        response = preview(editor_admin, models.Source, bomb, "xlsx")
    elapsed = time.monotonic() - started

    assert refused_upload(response) == (
        "The XLSX file unpacks to more than 50.0 MB: an import takes XLSX files of at most "
        "50.0 MB unpacked. Split it into smaller files."
    )
    assert not load_workbook.called
    assert elapsed < 5
    assert stored(preview_folder) == []


def test_an_xlsx_file_whose_directory_lies_about_its_sizes_is_refused_unread(editor_admin):
    # The directory says the sheet unpacks to 1 KB: its data unpacks to 60 MB, which zipfile
    # would unpack in one piece when openpyxl reads it whole. It is measured in small pieces.
    liar = with_declared_size(one_cell_sheet(60 * 1024 * 1024), "xl/worksheets/sheet1.xml", 1000)
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(liar)).infolist()) < 20_000

    with mock.patch("openpyxl.load_workbook") as load_workbook:
        message = refused_upload(preview(editor_admin, models.Source, liar, "xlsx"))

    assert message.startswith("The XLSX file unpacks to more than 50.0 MB")
    assert not load_workbook.called


@pytest.mark.parametrize(
    ("archive", "message"),
    [
        pytest.param(
            lambda: one_cell_sheet(2 * 1024 * 1024),
            "A file in the XLSX archive (xl/worksheets/sheet1.xml) unpacks to",
            id="packed-far-tighter-than-a-spreadsheet",
        ),
        pytest.param(
            lambda: with_declared_size(xlsx(["slug"]), "xl/workbook.xml", 10),
            "This is not an XLSX file (an XLSX file is a zip archive), or it is damaged.",
            id="sizes-misstated",
        ),
        pytest.param(
            lambda: csv_text(SOURCE).encode(),
            "This is not an XLSX file (an XLSX file is a zip archive), or it is damaged.",
            id="not-a-zip",
        ),
    ],
)
def test_an_xlsx_archive_no_spreadsheet_would_make_is_refused(editor_admin, archive, message):
    with mock.patch("openpyxl.load_workbook") as load_workbook:
        assert refused_upload(preview(editor_admin, models.Source, archive(), "xlsx")).startswith(
            message
        )
    assert not load_workbook.called


def test_an_archive_of_a_thousand_files_is_refused():
    content = io.BytesIO()
    with zipfile.ZipFile(content, "w") as archive:
        for number in range(1001):
            archive.writestr(f"{number}.xml", "")

    with pytest.raises(import_limits.RefusedFile, match="holds 1,001 files"):
        import_limits.check_xlsx_archive(content.getvalue())


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_file_of_too_many_rows_is_refused_before_its_preview(
    editor_admin, settings, preview_folder, file_format
):
    settings.IMPORT_MAX_ROWS = 3
    rows = [{**SOURCE, "slug": f"tweet-{number}"} for number in range(4)]
    content = {
        # Blank lines, which the reader skips, are not counted.
        "csv": lambda rows: csv_text(*rows) + "\r\n\r\n",
        "xlsx": lambda rows: xlsx(list(SOURCE), *(list(row.values()) for row in rows)),
        "json": lambda rows: json.dumps(rows),
    }[file_format]

    with mock.patch("options.resources.SourceResource.import_data") as import_data:
        message = refused_upload(preview(editor_admin, models.Source, content(rows), file_format))

    assert message == (
        "The file has more than 3 rows: an import takes at most 3 at a time. Split it into "
        "smaller files."
    )
    assert not import_data.called
    assert stored(preview_folder) == []
    # Three rows are previewed.
    previewed = preview(editor_admin, models.Source, content(rows[:3]), file_format)
    assert [row.import_type for row in previewed.context["result"].valid_rows()] == ["new"] * 3


@pytest.mark.parametrize("file_format", FORMATS)
def test_a_cell_longer_than_excel_takes_is_refused(editor_admin, file_format):
    long = {**SOURCE, "title": "x" * 32768}
    content = {
        "csv": lambda: csv_text(SOURCE, long),
        "xlsx": lambda: xlsx_with_sheet_data(
            sheet_data(list(SOURCE), list(SOURCE.values()), list(long.values()))
        ),
        "json": lambda: json.dumps([SOURCE, long]),
    }[file_format]()

    message = refused_upload(preview(editor_admin, models.Source, content, file_format))

    assert message == (
        "Row 2 has a cell of 32,768 characters: a cell may hold at most 32,767 (as in Excel)."
    )


def test_a_csv_cell_beyond_the_csv_reader_s_own_limit_is_refused_the_same_way(editor_admin):
    content = csv_text(SOURCE, {**SOURCE, "title": "x" * 200_000})

    message = refused_upload(preview(editor_admin, models.Source, content))

    # Refused by the csv module's own limit (128 KiB), or by ours where something in the process
    # raised the module's (a global: csv.field_size_limit).
    assert "a cell may hold at most 32,767 (as in Excel)" in message


# --- Previews -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forged",
    ["../../tmp/{name}", "{tmp}/{name}", "{name}", "..%2F..%2Ftmp%2F{name}", "", "x" * 43 + "/"],
)
def test_a_preview_name_with_a_path_reads_and_deletes_nothing(editor_admin, forged):
    # A file at the top of the temporary folder, which the library would read, import and
    # delete when sent its path (`../../tmp/x.csv`): it kept the path's last part only.
    outside = os.path.join(tempfile.gettempdir(), f"policytracker-test-{uuid.uuid4().hex}.csv")
    with open(outside, "wb") as file:
        file.write(csv_text(SOURCE).encode())
    try:
        name = os.path.basename(outside)
        response = editor_admin.post(
            admin_url(models.Source, "process_import"),
            {
                "import_file_name": forged.format(name=name, tmp=tempfile.gettempdir()),
                "original_file_name": "x.csv",
                "format": "0",
                "resource": "0",
            },
        )

        refused_confirmation(response)
        assert os.path.exists(outside)
        with open(outside, "rb") as file:
            assert file.read() == csv_text(SOURCE).encode()
        assert not models.Source.objects.filter(slug="tweet").exists()
    finally:
        if os.path.exists(outside):
            os.remove(outside)


def test_a_preview_is_confirmed_by_its_own_session_only(
    editor_admin, django_user_model, preview_folder
):
    previewed = preview(editor_admin, models.Source, csv_text(SOURCE))
    [name] = stored(preview_folder)
    assert previewed.context["confirm_form"].initial["import_file_name"] == name
    # Another editor, and the same editor in another session (another browser), who learnt the
    # name.
    other_editor = Client()
    other_editor.force_login(make_editor(django_user_model, "other"))
    same_editor_elsewhere = Client()
    same_editor_elsewhere.force_login(django_user_model.objects.get(username="editor"))

    for client in (other_editor, same_editor_elsewhere):
        refused_confirmation(confirm(client, models.Source, previewed))
        refused_confirmation(
            client.post(
                admin_url(models.Source, "process_import"),
                {**previewed.context["confirm_form"].initial, "cancel": "Cancel"},
            )
        )

    assert not models.Source.objects.filter(slug="tweet").exists()
    assert stored(preview_folder) == [name]  # still there, for its own session
    assert confirm(editor_admin, models.Source, previewed).status_code == 302
    assert models.Source.objects.filter(slug="tweet").exists()


@pytest.mark.parametrize(
    ("change", "model"),
    [
        ({"format": FORMATS["xlsx"]}, models.Source),
        ({"format": FORMATS["json"]}, models.Source),
        ({}, models.Stakeholder),
    ],
    ids=["as-xlsx", "as-json", "on-another-model"],
)
def test_a_preview_is_confirmed_as_it_was_previewed_only(
    editor_admin, preview_folder, change, model
):
    previewed = preview(editor_admin, models.Source, csv_text(SOURCE))

    response = editor_admin.post(
        admin_url(model, "process_import"), {**previewed.context["confirm_form"].initial, **change}
    )

    refused_confirmation(response)
    assert len(stored(preview_folder)) == 1
    assert confirm(editor_admin, models.Source, previewed).status_code == 302


def test_a_preview_is_removed_once_confirmed_cancelled_or_failed(editor_admin, preview_folder):
    # Confirmed: removed, and cannot be confirmed again.
    previewed = preview(editor_admin, models.Source, csv_text(SOURCE))
    assert len(stored(preview_folder)) == 1
    assert confirm(editor_admin, models.Source, previewed).status_code == 302
    assert stored(preview_folder) == []
    refused_confirmation(confirm(editor_admin, models.Source, previewed))

    # Cancelled: removed, nothing imported.
    previewed = preview(editor_admin, models.Source, csv_text({**SOURCE, "slug": "cancelled"}))
    response = editor_admin.post(
        admin_url(models.Source, "process_import"),
        {**previewed.context["confirm_form"].initial, "cancel": "Cancel"},
    )
    assert response.status_code == 302
    assert response["Location"] == admin_url(models.Source, "changelist")
    assert [str(m) for m in response.wsgi_request._messages] == [
        "The import was cancelled: nothing was imported."
    ]
    assert stored(preview_folder) == []
    assert not models.Source.objects.filter(slug="cancelled").exists()
    refused_confirmation(confirm(editor_admin, models.Source, previewed))

    # A preview with errors, or of a file that cannot be read, cannot be confirmed: removed.
    failed = preview(editor_admin, models.Source, csv_text({**SOURCE, "kind": "rumour"}))
    assert failed.context.get("confirm_form") is None
    unreadable = preview(editor_admin, models.Source, b"\xff\xfe\x00not text")
    assert unreadable.context["form"].errors["import_file"]
    assert stored(preview_folder) == []


def test_the_preview_page_offers_cancel_beside_confirm(editor_admin):
    html = preview(editor_admin, models.Source, csv_text(SOURCE)).content.decode()

    assert '<input type="submit" class="default" name="confirm" value="Confirm import">' in html
    assert '<input type="submit" name="cancel" value="Cancel">' in html


def test_previews_never_confirmed_expire(editor_admin, client, preview_folder):
    old = preview(editor_admin, models.Source, csv_text(SOURCE))
    [old_name] = stored(preview_folder)
    two_hours_ago = time.time() - 7200
    os.utime(preview_folder / old_name, (two_hours_ago, two_hours_ago))
    session = editor_admin.session
    session[import_previews.SESSION_KEY][old_name]["at"] = two_hours_ago
    session.save()
    recent = preview(editor_admin, models.Source, csv_text({**SOURCE, "slug": "recent"}))

    # The next import, of any model, removes the expired previews, and only those.
    assert editor_admin.get(admin_url(models.Position, "import")).status_code == 200

    assert stored(preview_folder) == [recent.context["confirm_form"].initial["import_file_name"]]
    refused_confirmation(confirm(editor_admin, models.Source, old))
    assert confirm(editor_admin, models.Source, recent).status_code == 302
    assert list(models.Source.objects.values_list("slug", flat=True)) == ["recent"]


def test_an_expired_preview_cannot_be_confirmed_though_its_file_is_there(
    editor_admin, settings, preview_folder
):
    previewed = preview(editor_admin, models.Source, csv_text(SOURCE))
    settings.IMPORT_PREVIEW_MAX_AGE = 0
    time.sleep(0.01)

    refused_confirmation(confirm(editor_admin, models.Source, previewed))

    assert not models.Source.objects.filter(slug="tweet").exists()


def test_a_session_keeps_its_five_latest_previews(editor_admin, preview_folder):
    previews = [
        preview(editor_admin, models.Source, csv_text({**SOURCE, "slug": f"tweet-{number}"}))
        for number in range(6)
    ]

    assert len(stored(preview_folder)) == 5
    refused_confirmation(confirm(editor_admin, models.Source, previews[0]))
    assert confirm(editor_admin, models.Source, previews[5]).status_code == 302


def test_previews_in_the_cache_are_bound_and_removed_the_same_way(
    editor_admin, settings, preview_folder
):
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "options.admin.import_previews.PreviewCacheStorage"
    previewed = preview(editor_admin, models.Source, csv_text(SOURCE))
    name = previewed.context["confirm_form"].initial["import_file_name"]
    key = f"policytracker-import-preview-{name}"
    assert cache.get(key) == csv_text(SOURCE).encode()
    assert stored(preview_folder) == []

    refused_confirmation(
        editor_admin.post(
            admin_url(models.Source, "process_import"),
            {**previewed.context["confirm_form"].initial, "import_file_name": "../" + name},
        )
    )
    assert confirm(editor_admin, models.Source, previewed).status_code == 302

    assert models.Source.objects.filter(slug="tweet").exists()
    assert cache.get(key) is None


def test_a_storage_of_the_library_is_refused(editor_admin, settings):
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.TempFolderStorage"

    with pytest.raises(ImproperlyConfigured, match="IMPORT_EXPORT_TMP_STORAGE_CLASS"):
        editor_admin.get(admin_url(models.Source, "import"))


def test_the_storages_take_no_name_but_their_own(preview_folder):
    for storage_class in (
        import_previews.PreviewFolderStorage,
        import_previews.PreviewCacheStorage,
    ):
        storage = storage_class(encoding="utf-8-sig", read_mode="r")
        storage.save(b"slug\n")
        assert import_previews.is_name(storage.name)
        for forged in ("../../tmp/x.csv", "/etc/passwd", "x.csv", storage.name + "/.."):
            with pytest.raises(import_previews.PreviewGone):
                storage_class(name=forged, read_mode="r").read()
            with pytest.raises(import_previews.PreviewGone):
                storage_class(name=forged).remove()
        # The folder's storage reads a text format as text, as the library's does.
        assert (
            storage.read()
            == {
                import_previews.PreviewFolderStorage: "slug\n",
                import_previews.PreviewCacheStorage: b"slug\n",
            }[storage_class]
        )
        storage.remove()
