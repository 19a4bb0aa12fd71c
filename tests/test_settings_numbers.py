"""Numbers in PMKG_* variables: one parser for all of them, a one-line error naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from kg import config


def pmkg(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PMKG_")}
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=120,
                          env={**clean, **env})


@pytest.mark.parametrize("variable, value, told", [
    ("PMKG_LOCK_WAIT", "soon", "PMKG_LOCK_WAIT must be a number, not 'soon'"),
    ("PMKG_LOCK_WAIT", "-1", "PMKG_LOCK_WAIT must be 0 or more, not '-1'"),
    ("PMKG_FETCH_DELAY", "fast", "PMKG_FETCH_DELAY must be a number, not 'fast'"),
])
def test_a_bad_number_in_a_variable_is_one_line_naming_it(tmp_path, variable, value, told):
    args = ("init", "--store", str(tmp_path / "store")) if variable == "PMKG_LOCK_WAIT" else (
        "follow", "--store", str(tmp_path / "store"), "http://127.0.0.1:9/feed.xml")   # refused at once, if asked
    result = pmkg(*args, **{variable: value})
    assert result.returncode != 0
    assert f"Error: {told}" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


def test_numbers_are_checked_in_one_place(monkeypatch):
    monkeypatch.setenv("PMKG_STORE_TIMEOUT", " 2.5 ")
    assert config.env_number("PMKG_STORE_TIMEOUT", 30, more_than=0) == 2.5
    monkeypatch.setenv("PMKG_STORE_TIMEOUT", "")
    assert config.env_number("PMKG_STORE_TIMEOUT", 30, more_than=0) == 30
    monkeypatch.setenv("PMKG_STORE_TIMEOUT", "0")
    with pytest.raises(config.SettingError, match="PMKG_STORE_TIMEOUT must be more than 0, not '0'"):
        config.env_number("PMKG_STORE_TIMEOUT", 30, more_than=0)
    with pytest.raises(ValueError, match="setting ROW_LIMIT must be a number, not True"):
        config.number("setting ROW_LIMIT", True, cast=int, more_than=0)   # a bool is not a count
    assert config.number("setting ROW_LIMIT", "10", cast=int, more_than=0) == 10
