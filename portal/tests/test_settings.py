"""Settings come from the environment and refuse unsafe or malformed values."""

import os
import subprocess
import sys

import pytest
from django.conf import settings


def load_settings(**environment):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(environment)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import portal.settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_without_debug_and_without_a_secret_key_it_refuses_to_start_and_says_why():
    result = load_settings(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_with_a_secret_key_it_starts_with_debug_off():
    result = load_settings(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("False")


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = load_settings(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_database_url_chooses_postgresql():
    result = load_settings(DEBUG="1", DATABASE_URL="postgres://u@127.0.0.1:5432/db")
    assert result.stdout.split()[1] == "django.db.backends.postgresql"


@pytest.mark.parametrize("name", ["TIME_ZONE", "LANGUAGE_CODE"])
def test_persian_first_defaults(name):
    assert {"TIME_ZONE": "Asia/Tehran", "LANGUAGE_CODE": "fa"}[name] == getattr(settings, name)


def test_a_local_dotenv_is_read_and_the_environment_wins(tmp_path):
    from portal.settings import load_dotenv

    dotenv = tmp_path / ".env"
    dotenv.write_text("# comment\nHAMSAYE_TEST_A=from-file\nHAMSAYE_TEST_B=from-file\n")
    os.environ["HAMSAYE_TEST_B"] = "from-environment"
    try:
        load_dotenv(dotenv)
        assert os.environ["HAMSAYE_TEST_A"] == "from-file"
        assert os.environ["HAMSAYE_TEST_B"] == "from-environment"
    finally:
        os.environ.pop("HAMSAYE_TEST_A", None)
        os.environ.pop("HAMSAYE_TEST_B", None)
