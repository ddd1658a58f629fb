from pathlib import Path

from haihe.core.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"HAIHE_{name.upper()}" in text, name


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("HAIHE_DATABASE_URL", "sqlite:///x.db")
    monkeypatch.setenv("HAIHE_PAGE_SIZE", "20")
    s = Settings()
    assert s.database_url == "sqlite:///x.db" and s.page_size == 20
