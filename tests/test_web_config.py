"""The web app factory reads its settings in the documented order."""

from kg.web import create_app


def test_no_app_at_import_and_settings_order(tmp_path, monkeypatch):
    import kg.web

    assert not any(isinstance(v, __import__("flask").Flask) for v in vars(kg.web).values())
    monkeypatch.setenv("PMKG_STORE", str(tmp_path / "from-env"))
    assert create_app().config["STORE"] == str(tmp_path / "from-env")
    assert create_app({"STORE": str(tmp_path / "override")}).config["STORE"] == str(tmp_path / "override")


def test_every_setting_is_in_the_docstring():
    import kg.web

    review = {"REVIEW", "SECRET_KEY", "SIGNIN_ATTEMPTS", "SIGNIN_CLIENT_ATTEMPTS", "SIGNIN_WINDOW",
              "REVIEW_SESSION_HOURS"}
    assert review <= set(kg.web.DEFAULTS)
    missing = [key for key in kg.web.DEFAULTS if f"``{key}``" not in kg.web.__doc__]
    assert not missing, f"settings not described in kg.web's docstring: {missing}"


def test_review_settings_are_checked_at_start(tmp_path):
    import pytest

    store = str(tmp_path)
    with pytest.raises(ValueError, match="SECRET_KEY is required when REVIEW is on"):
        create_app({"STORE": store, "REVIEW": "true"})
    with pytest.raises(ValueError, match="REVIEW must be true or false"):
        create_app({"STORE": store, "REVIEW": "maybe"})
    with pytest.raises(ValueError, match="SIGNIN_ATTEMPTS must be more than 0"):
        create_app({"STORE": store, "REVIEW": True, "SECRET_KEY": "s" * 32, "SIGNIN_ATTEMPTS": 0})
    app = create_app({"STORE": store, "REVIEW": "on", "SECRET_KEY": 12345678901234567890123456789012345})
    assert app.config["REVIEW"] is True and app.config["SECRET_KEY"] == "12345678901234567890123456789012345"
