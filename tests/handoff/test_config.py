"""Strict settings parsing."""

from __future__ import annotations

import pytest

from handoff.config import Settings
from handoff.errors import ConfigError


def test_defaults_are_sqlite_under_the_instance_folder(tmp_path):
    """Without DATABASE_URL, is the database a SQLite file in the instance folder?"""
    settings = Settings.from_env({"HANDOFF_INSTANCE_PATH": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'handoff.db'}"


@pytest.mark.parametrize(
    ("environ", "needle"),
    [
        ({"HANDOFF_ENV": "staging"}, "HANDOFF_ENV"),
        ({"HANDOFF_DEV_SIDEBAR": "maybe"}, "HANDOFF_DEV_SIDEBAR"),
        ({"HANDOFF_MAX_BODY_BYTES": "lots"}, "HANDOFF_MAX_BODY_BYTES"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"HANDOFF_TOKEN_CACHE_SECONDS": "half a minute"}, "HANDOFF_TOKEN_CACHE_SECONDS"),
        ({"HANDOFF_TOKEN_CACHE_SECONDS": "301"}, "HANDOFF_TOKEN_CACHE_SECONDS"),
        ({"HANDOFF_TOKEN_CACHE_SECONDS": "-1"}, "HANDOFF_TOKEN_CACHE_SECONDS"),
        ({"HANDOFF_ENV": "production"}, "HANDOFF_SECRET_KEY"),
        (
            {
                "HANDOFF_ENV": "production",
                "HANDOFF_SECRET_KEY": "x" * 40,
                "HANDOFF_DEV_SIDEBAR": "1",
            },
            "refused",
        ),
    ],
)
def test_bad_settings_stop_start_up_naming_the_variable(environ, needle):
    """Does each malformed or unsafe setting raise an error that names it?"""
    with pytest.raises(ConfigError, match=needle):
        Settings.from_env(environ)


def test_postgres_urls_use_psycopg3():
    """Is a plain postgresql:// URL routed to the psycopg 3 driver?"""
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u@h/db"})
    assert settings.database_url == "postgresql+psycopg://u@h/db"


def test_secrets_stay_out_of_repr():
    """Are tokens and secrets kept out of the settings' repr (and so out of logs)?"""
    settings = Settings.from_env(
        {"ZENDESK_API_TOKEN": "tok-secret", "ZENDESK_WEBHOOK_SECRET": "hook-secret"}
    )
    assert "tok-secret" not in repr(settings) and "hook-secret" not in repr(settings)
