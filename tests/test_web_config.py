"""The web app factory reads its settings in the documented order."""

from kg.web import create_app


def test_no_app_at_import_and_settings_order(tmp_path, monkeypatch):
    import kg.web

    assert not any(isinstance(v, __import__("flask").Flask) for v in vars(kg.web).values())
    monkeypatch.setenv("PMKG_STORE", str(tmp_path / "from-env"))
    assert create_app().config["STORE"] == str(tmp_path / "from-env")
    assert create_app({"STORE": str(tmp_path / "override")}).config["STORE"] == str(tmp_path / "override")
