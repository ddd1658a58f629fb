import re
import string

from haihe.core.i18n import catalogue, t


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_both_languages_have_every_message_with_the_same_placeholders():
    zh, en = catalogue("zh"), catalogue("en")
    assert zh.keys() == en.keys()
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_chinese_messages_are_chinese():
    zh = catalogue("zh")
    assert sum(bool(re.search(r"[\u4e00-\u9fff]", v)) for v in zh.values()) > 0.9 * len(zh)


def test_every_key_used_in_templates_and_code_exists():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "src" / "haihe"
    used = set()
    for path in list(root.rglob("*.html")) + list(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(['\"]([a-z_]+\.[a-z_]+)['\"]", text))
        used |= set(re.findall(r"InvalidInput\(\s*['\"]([a-z_]+\.[a-z_]+)['\"]", text))
    missing = {k for k in used if k not in catalogue("zh")}
    assert not missing, missing


def test_unknown_language_falls_back_to_chinese():
    assert t("nav.parks", "fr") == "园区"


def test_no_message_file_holds_a_key_twice():
    """Two branches adding the same key merge into one file without a conflict, and then
    one of the two wordings silently wins."""
    import json
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "haihe"
    twice = []
    for path in sorted(src.glob("**/locales/*.json")):

        def pairs(items, path=path):  # noqa: ANN001, ANN202
            keys = [k for k, _ in items]
            twice.extend(f"{path.relative_to(src)}: {k}" for k in set(keys) if keys.count(k) > 1)
            return dict(items)

        json.loads(path.read_text("utf-8"), object_pairs_hook=pairs)
    assert not twice, twice
