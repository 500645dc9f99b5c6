"""What the browser tests share: Debian's chromium driven by Playwright (never a downloaded
browser), skipped loudly where there is none, and the folder their screenshots go to."""

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# Chromium as root needs --no-sandbox; the rest keeps it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

requires_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="NO CHROMIUM: the browser tests need Debian's chromium (apt-get install chromium)",
)


@contextlib.contextmanager
def chromium() -> Iterator["sync_api.Browser"]:
    """A headless chromium for a test module's pages."""
    # Playwright's sync API runs an event loop in this thread while the module's tests run; the
    # ORM calls they make meanwhile are still synchronous.
    with pytest.MonkeyPatch.context() as monkeypatch, sync_api.sync_playwright() as playwright:
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
