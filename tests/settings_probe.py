"""The settings as the settings module makes them from environment variables, read in a fresh
process (this one's settings were made once, at startup)."""

import json
import os
import subprocess
import sys

from django.conf import settings


def settings_in_a_fresh_process(expression: str, *, unset=(), **env: str):
    """The JSON value of `expression` (Python, with `settings` in scope) in a new process whose
    environment is this one's without the variables `unset` (names, or prefixes ending in `_`),
    plus `env`."""
    code = f"import json; from django.conf import settings; print(json.dumps({expression}))"
    environ = {
        **{
            name: value
            for name, value in os.environ.items()
            if not any(name == u or (u.endswith("_") and name.startswith(u)) for u in unset)
        },
        "DJANGO_SETTINGS_MODULE": "policytracker.settings",
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)
