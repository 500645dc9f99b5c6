"""Clients generated from the committed schema (docs/openapi.yaml) work against a live server.

- Python: openapi-python-client generates `policytracker_client` with `--fail-on-warning`, pip
  installs it into a throwaway virtualenv, and tests/clients/python_workflow.py, which uses only
  that client, runs an analyst's whole workflow against pytest-django's live server.
- TypeScript: openapi-typescript generates types and `tsc --noEmit` checks
  tests/clients/ts/usage.ts against them.

A schema change that breaks either generator, or that the workflow trips on, fails here.
docs/clients.md tells users how to do the same.
"""

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import editors_group

SCHEMA = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"
CLIENTS = Path(__file__).resolve().parent / "clients"
TYPESCRIPT = CLIENTS / "ts"
BIN = Path(sys.executable).parent  # the project's virtualenv: openapi-python-client, ruff, pip
NPM = shutil.which("npm")


def run(command: list[str | Path], *, timeout: float, **options) -> subprocess.CompletedProcess:
    """Run a command; fail with its output unless it exits 0."""
    shown = " ".join(str(part) for part in command)
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False, **options
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"`{shown}` took more than {timeout} s\n{error.stdout}\n{error.stderr}")
    assert result.returncode == 0, (
        f"`{shown}` exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


def token_from(output: str) -> str:
    """The API token in create_api_token's output: its last word that looks like a key, so that
    a line of explanation around it (a token shown only once…) does not matter."""
    words = [word.strip("'\"`.,;()[]") for word in output.split()]
    keys = [word for word in words if re.fullmatch(r"[A-Za-z0-9_-]{20,}", word)]
    assert keys, f"no token in the output of create_api_token: {output!r}"
    return keys[-1]


@pytest.fixture(scope="module")
def client_python(tmp_path_factory) -> Path:
    """The Python of a throwaway virtualenv holding the client generated from the schema."""
    workdir = tmp_path_factory.mktemp("python-client")
    package = workdir / "policytracker-client"
    # The generator formats its output with ruff, which it looks for on PATH.
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            SCHEMA,
            "--config",
            CLIENTS / "openapi-python-client.yaml",
            "--output-path",
            package,
            "--fail-on-warning",
        ],
        timeout=120,
        env={**os.environ, "PATH": path},
    )
    assert (package / "policytracker_client" / "client.py").is_file()

    # A virtualenv without pip of its own (faster to make), filled by the project's pip.
    venv = workdir / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], timeout=60)
    python = venv / "bin" / "python"
    run(
        [
            BIN / "python",
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--disable-pip-version-check",
            package,
        ],
        timeout=300,
    )
    return python


# The workflow runs in another process against the live server: the test database is committed
# to (transaction=True), and flushed after the test.
@pytest.mark.django_db(transaction=True)
def test_generated_python_client_runs_the_workflow(
    live_server, client_python, django_user_model, tmp_path
):
    editor = django_user_model.objects.create_user("client-editor", password="unused-password-1")
    editor.groups.add(editors_group())
    output = io.StringIO()
    call_command("create_api_token", editor.get_username(), stdout=output, stderr=io.StringIO())
    token = token_from(output.getvalue())

    result = run(
        [client_python, "-I", CLIENTS / "python_workflow.py"],
        timeout=120,
        # Only what the script needs: no proxy settings, no Django, no project on the path.
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "POLICYTRACKER_API_URL": live_server.url.replace("localhost", "127.0.0.1"),
            "POLICYTRACKER_API_TOKEN": token,
        },
        cwd=tmp_path,
    )
    assert result.stdout.rstrip().endswith("OK: every check passed"), result.stdout
    print(result.stdout)  # the summary, for `pytest -rP`


@pytest.mark.skipif(
    NPM is None,
    reason="NO NPM: the TypeScript check needs Node.js and npm (apt-get install npm)",
)
def test_generated_typescript_types_check_the_usage_file():
    run([NPM, "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=TYPESCRIPT, timeout=300)
    tools = TYPESCRIPT / "node_modules" / ".bin"
    schema_types = TYPESCRIPT / "generated" / "schema.d.ts"
    run([tools / "openapi-typescript", SCHEMA, "--output", schema_types], timeout=120)
    assert "PaginatedPositionList" in schema_types.read_text()
    run([tools / "tsc", "--noEmit", "-p", TYPESCRIPT], cwd=TYPESCRIPT, timeout=120)
