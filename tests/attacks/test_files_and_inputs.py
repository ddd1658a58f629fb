"""The attacker's review of files and inputs (issue 11, points 5-8, 10, 15-18), replayed as
they did it: through HTTP as the demo's accounts and through the command line. Each test
failed before its fix."""

from __future__ import annotations

import io
import os
import shutil
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.core.db import make_engine
from haihe.projects import service
from haihe.projects.service import ProjectInput
from haihe.web.app import create_app
from tests.conftest import login, signed_client

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def world(demo_engine, tmp_path_factory):
    """The demo, a project the Tianjin officer may edit, and a client per account."""
    os.environ["HAIHE_DATA_DIR"] = str(tmp_path_factory.mktemp("data") / "private")
    from haihe.core.settings import get_settings

    get_settings.cache_clear()
    with Session(demo_engine) as s:
        p = service.do_create_project(
            s,
            command_line("test"),
            ProjectInput(
                code="ATTACK-1",
                title="攻击测试项目",
                landing_region_code="120104",
                signed_on=date(2024, 1, 1),
                intended_investment=Decimal(1),
            ),
        )
        s.commit()
        pid = p.id
    app = create_app(demo_engine)
    roles = ("admin", "tianjin", "binhai", "park")
    yield app, pid, {r: signed_client(app, r) for r in roles}
    del os.environ["HAIHE_DATA_DIR"]
    get_settings.cache_clear()


def _patch(client, pid: int, **changes):  # noqa: ANN001, ANN202
    version = client.get(f"/api/v1/projects/{pid}").json()["version"]
    return client.patch(f"/api/v1/projects/{pid}", json={"version": version, "changes": changes})


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(["企业名称,地区", *rows]) + "\n").encode("utf-8")


def _import(client, data: bytes, name: str = "orgs.csv", **form):  # noqa: ANN001, ANN202
    return client.post("/import", files={"file": (name, data, "text/csv")}, data=form)


# -- 15: invisible characters and bidi controls -------------------------------------------


def test_zero_width_characters_do_not_defeat_duplicate_detection(world):
    app, _, clients = world
    c = clients["tianjin"]
    twins = ["天津零宽测试科技有限公司,和平区", "天津零\u200b宽测试\u00ad科技有限公司,和平区"]
    r = _import(c, _csv(twins))
    assert r.status_code == 400 and "重复" in r.text, r.text[:2000]
    r = _import(c, _csv(["天津零宽测试科技有限公司,和平区"]))
    assert r.status_code == 200, r.text[:2000]
    before = c.get("/api/v1/organisations", params={"q": "零宽测试"}).json()["total"]
    for ch in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"):
        r = _import(c, _csv([f"天津零宽{ch}测试科技有限公司,和平区"]))
        assert r.status_code == 200, r.text[:2000]
    assert c.get("/api/v1/organisations", params={"q": "零宽测试"}).json()["total"] == before


def test_right_to_left_overrides_are_refused_in_names(world):
    _, pid, clients = world
    r = _import(clients["tianjin"], _csv(["天津\u202e司公限有技科,和平区"]))
    assert r.status_code == 400 and "文字方向" in r.text
    r = _patch(clients["tianjin"], pid, title="项目\u2066名称\u2069")
    assert r.status_code == 422 and "项目名称" in r.json()["detail"][0]["msg"]


# -- 16: unhandled 500s --------------------------------------------------------------------


@pytest.mark.parametrize("param", ["fair", "park"])
def test_superscript_digits_in_filters_are_bad_input(world, param):
    _, _, clients = world
    for url in ("/api/v1/projects/figures", "/projects", "/", "/organisations"):
        r = clients["tianjin"].get(url, params={param: "²"})
        assert r.status_code in (200, 400, 422), (url, r.status_code)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e30", "sNaN"])
def test_absurd_amounts_are_refused_with_a_message(world, amount):
    _, pid, clients = world
    r = _patch(clients["tianjin"], pid, contracted_investment=amount)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"][-1] == "contracted_investment"


def test_a_landing_park_that_is_no_id_is_bad_input(world):
    _, pid, clients = world
    r = _patch(clients["tianjin"], pid, landing_park_id="abc")
    assert r.status_code == 422 and r.json()["key"] == "projects.park_unknown"


def test_a_read_only_database_says_so(world, tmp_path):
    app, _, _ = world
    path = tmp_path / "ro.db"
    src = make_engine(str(app.state.engine.url))
    if src.dialect.name != "sqlite":
        pytest.skip("a read-only SQLite file")
    with src.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(src.url.database, path)
    ro = make_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    ro_app = create_app(ro)
    from fastapi.testclient import TestClient

    client = TestClient(ro_app)
    assert client.get("/healthz").status_code == 503
    r = login(client, "admin", "haihe-demo-2024")
    assert r.status_code == 503 and "只读" in r.text
    ro.dispose()


# -- 17: every text field bounded ----------------------------------------------------------


def test_a_title_longer_than_its_column_is_refused(world):
    _, pid, clients = world
    r = _patch(clients["tianjin"], pid, title="长" * 10_000)
    assert r.status_code == 422
    assert "项目名称" in r.json()["detail"][0]["msg"] and "300" in r.json()["detail"][0]["msg"]


def test_notes_are_bounded(world):
    _, pid, clients = world
    r = _patch(clients["tianjin"], pid, notes="备" * 10_001)
    assert r.status_code == 422 and "备注" in r.json()["detail"][0]["msg"]
    r = _patch(clients["tianjin"], pid, notes="x" * (20 * 1024 * 1024))  # as sent
    assert r.status_code == 422 and "备注" in r.json()["detail"][0]["msg"]
    r = _patch(clients["tianjin"], pid, notes="x" * (25 * 1024 * 1024))  # not even read
    assert r.status_code == 413 and "20 MB" in r.json()["detail"][0]["msg"]
    assert _patch(clients["tianjin"], pid, notes="备" * 10_000).status_code == 200


def test_milestone_evidence_is_bounded(world):
    _, pid, clients = world
    c = clients["tianjin"]
    version = c.get(f"/api/v1/projects/{pid}").json()["version"]
    r = c.post(
        f"/api/v1/projects/{pid}/milestones",
        json={
            "kind": "construction_started",
            "on": "2024-02-01",
            "evidence": "证" * 100_000,
            "version": version,
        },
    )
    assert r.status_code == 422 and "节点依据" in r.json()["detail"][0]["msg"]


def test_an_imported_name_longer_than_its_column_is_a_row_error(world):
    _, _, clients = world
    r = _import(clients["tianjin"], _csv(["天津" + "长" * 400 + "有限公司,和平区"]))
    assert r.status_code == 400 and "组织名称过长" in r.text


# -- 8: uploads ----------------------------------------------------------------------------


def test_uploads_are_bounded_before_they_are_read(world):
    _, _, clients = world
    big = b"x" * (21 * 1024 * 1024)
    r = _import(clients["tianjin"], big)
    assert r.status_code == 413 and "20 MB" in r.text


def test_uploads_sent_without_a_length_are_cut_off(world):
    _, _, clients = world

    def chunks():  # noqa: ANN202 - chunked: no Content-Length to refuse up front
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(30):
            yield b"x" * (1 << 20)

    r = clients["tianjin"].post(
        "/import", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"}
    )
    assert r.status_code == 413 and "20 MB" in r.text


def test_uploads_stay_private_go_when_done_and_reports_are_the_uploaders(world):
    import tempfile
    import uuid

    _, _, clients = world
    from haihe.core.settings import get_settings

    root = Path(get_settings().data_dir)
    name = f"orgs-{uuid.uuid4().hex[:8]}.csv"
    r = _import(clients["tianjin"], _csv(["天津报告测试科技有限公司,火星区"]), name)
    assert r.status_code == 400
    link = r.text.split('href="/import/')[1].split('"')[0]
    token = link.split("/")[0]
    folder = root / "uploads" / token
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not (folder / name).exists()  # the upload itself is gone when the import is done
    assert {stat.S_IMODE(f.stat().st_mode) for f in folder.iterdir()} == {0o600}
    assert not list(Path(tempfile.gettempdir()).glob(f"haihe-uploads/*/{name}"))
    own = clients["tianjin"].get(f"/import/{link}")
    assert own.status_code == 200 and own.headers["content-type"] == XLSX
    other = clients["binhai"].get(f"/import/{link}")
    assert other.status_code == 404


# -- 5: YAML bombs in chain definitions ----------------------------------------------------

LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n"
    for a, b in zip("abcdefghi", "bcdefghij", strict=True)
)
DEEP = "key: " + "[" * 500 + "]" * 500 + "\n"


@pytest.mark.parametrize("text", [LAUGHS, DEEP], ids=["billion-laughs", "500-levels"])
def test_chain_yaml_bombs_are_refused_at_every_door(world, text):
    _, _, clients = world
    c = clients["tianjin"]  # a regional officer may edit chains
    api = c.post("/api/v1/chains", files={"file": ("bomb.yaml", text.encode(), "text/yaml")})
    assert api.status_code == 422, api.text[:300]
    words = ("锚点", "嵌套")
    assert any(w in api.json()["detail"][0]["msg"] for w in words)
    page = c.post("/chains-import", files={"file": ("bomb.yaml", text.encode(), "text/yaml")})
    assert page.status_code == 400 and any(w in page.text for w in words)
    version = c.get("/api/v1/chains/biomedicine").json()["version"]
    edit = c.post(
        "/chains/biomedicine/edit", data={"definition": text, "version": version, "note": "x"}
    )
    assert edit.status_code == 400 and any(w in edit.text for w in words)


# -- 6: spreadsheet bombs ------------------------------------------------------------------


def _xlsx(rows: list[list[object]], dimension: str | None = None, pad: int = 0) -> bytes:
    """A real workbook; `dimension` rewrites the size its sheet declares, `pad` adds that
    many bytes of blanks to its sheet (which pack to almost nothing)."""
    import re
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if dimension:
                    text = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', text)
                data = text.replace("<sheetData>", "<sheetData>" + " " * pad).encode()
            dst.writestr(item, data)
    return out.getvalue()


def _upload_xlsx(client, data: bytes):  # noqa: ANN001, ANN202
    return client.post("/import", files={"file": ("orgs.xlsx", data, XLSX)})


def test_a_sheet_declaring_a_million_rows_is_refused_before_it_is_read(world):
    _, _, clients = world
    rows = [["企业名称", "地区"], ["天津维度测试科技有限公司", "和平区"]]
    r = _upload_xlsx(clients["tianjin"], _xlsx(rows, "A1:XFD1048576"))
    assert r.status_code == 400 and "1048576" in r.text and "16384" in r.text


def test_a_zip_that_unpacks_to_an_absurd_size_is_refused(world):
    _, _, clients = world
    rows = [["企业名称", "地区"], ["天津压缩测试科技有限公司", "和平区"]]
    r = _upload_xlsx(clients["tianjin"], _xlsx(rows, pad=40 << 20))
    assert r.status_code == 400 and "解压后异常庞大" in r.text


def test_a_sheet_lying_about_its_size_is_still_bounded(world, monkeypatch):
    _, _, clients = world
    monkeypatch.setenv("HAIHE_IMPORT_MAX_COLUMNS", "5")
    from haihe.core.settings import get_settings

    get_settings.cache_clear()
    try:
        rows = [["企业名称", "地区"], ["天津列数测试科技有限公司", "和平区", *[None] * 8, "x"]]
        r = _upload_xlsx(clients["tianjin"], _xlsx(rows, "A1:B2"))
        assert r.status_code == 400 and "超过 5 列" in r.text
    finally:
        monkeypatch.delenv("HAIHE_IMPORT_MAX_COLUMNS")
        get_settings.cache_clear()


def test_a_csv_field_beyond_the_csv_limit_is_a_message(world):
    _, _, clients = world
    r = _import(clients["tianjin"], _csv(['"天津' + "长" * 140_000 + '",和平区']))
    assert r.status_code == 400 and "131072" in r.text


# -- 10: backup and restore ----------------------------------------------------------------


@pytest.fixture
def cli_db(sqlite_engine, monkeypatch):
    """The command line pointed at a Haihe SQLite database with one organisation."""
    from haihe.core import db
    from haihe.core.settings import get_settings
    from haihe.registry import service as registry
    from haihe.registry.schemas import OrganisationCreate

    with Session(sqlite_engine) as s:
        registry.do_create_organisation(
            s, command_line("test"), OrganisationCreate(name="恢复测试有限公司")
        )
        s.commit()
    monkeypatch.setenv("HAIHE_DATABASE_URL", str(sqlite_engine.url))
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()
    db.engine_for.cache_clear()


def _orgs(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM organisations").scalar()


def _not_sqlite_haihe(tmp_path: Path) -> dict[str, Path]:
    import sqlite3

    files = {"zero-byte": tmp_path / "zero.db", "text": tmp_path / "text.db"}
    files["zero-byte"].write_bytes(b"")
    files["text"].write_text("hello")
    files["no-schema-version"] = tmp_path / "other.db"
    c = sqlite3.connect(files["no-schema-version"])
    c.execute("CREATE TABLE t (a)")
    c.commit()
    c.close()
    files["unknown-version"] = tmp_path / "future.db"
    c = sqlite3.connect(files["unknown-version"])
    c.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    c.execute("INSERT INTO alembic_version VALUES ('9999_future')")
    c.commit()
    c.close()
    return files


def test_restore_refuses_what_is_not_a_haihe_backup_and_changes_nothing(cli_db, tmp_path):
    from typer.testing import CliRunner

    from haihe.cli import app

    for kind, path in _not_sqlite_haihe(tmp_path).items():
        r = CliRunner().invoke(app, ["restore", str(path), "--yes"])
        assert r.exit_code == 2, (kind, r.output)
        assert "未作任何更改" in r.output.replace("\n", ""), (kind, r.output)
        assert _orgs(cli_db) == 1, kind


def test_restore_refuses_while_a_server_holds_the_database(cli_db, tmp_path):
    from typer.testing import CliRunner

    from haihe.cli import app
    from haihe.core.backup import backup, serving

    good = backup(cli_db, tmp_path / "good.backup")
    with serving(cli_db):
        r = CliRunner().invoke(app, ["restore", str(good), "--yes"])
    assert r.exit_code == 5 and "停止服务器" in r.output.replace("\n", ""), r.output
    r = CliRunner().invoke(app, ["restore", str(good), "--yes"])
    assert r.exit_code == 0, r.output


def test_backup_of_a_mistyped_database_creates_nothing(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from haihe.cli import app
    from haihe.core import db
    from haihe.core.settings import get_settings

    typo = tmp_path / "hiahe.db"
    monkeypatch.setenv("HAIHE_DATABASE_URL", f"sqlite:///{typo}")
    get_settings.cache_clear()
    db.engine_for.cache_clear()
    try:
        r = CliRunner().invoke(app, ["backup", str(tmp_path / "out.backup")])
    finally:
        get_settings.cache_clear()
        db.engine_for.cache_clear()
    assert r.exit_code == 2 and "找不到要备份的数据库" in r.output.replace("\n", ""), r.output
    assert not typo.exists() and not (tmp_path / "out.backup").exists()


# -- 7: a long import and the other writes -------------------------------------------------


def _hold_write_lock(engine, seconds: float):  # noqa: ANN001, ANN202
    """Another writer (a long import's transaction) holding SQLite's write lock."""
    import sqlite3
    import threading

    conn = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE projects SET notes = notes WHERE id = -1")
    done = threading.Timer(seconds, lambda: (conn.execute("COMMIT"), conn.close()))
    done.start()
    return done


def test_a_save_during_an_import_waits_its_turn(world):
    app, pid, clients = world
    if app.state.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one writer")
    holder = _hold_write_lock(app.state.engine, 12)  # longer than the old 10 s timeout
    r = _patch(clients["tianjin"], pid, officer="等待者")
    holder.join()
    assert r.status_code == 200, r.text


def test_a_save_past_the_wait_is_told_to_retry_in_words(world, monkeypatch):
    app, pid, _ = world
    if app.state.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's one writer")
    from haihe.core import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 1)
    engine = make_engine(str(app.state.engine.url))
    client = signed_client(create_app(engine), "tianjin")
    holder = _hold_write_lock(engine, 4)
    try:
        r = _patch(client, pid, officer="重试者")
    finally:
        holder.join()
        engine.dispose()
    assert r.status_code == 503 and r.headers["Retry-After"] == "10"
    assert "稍后重试" in r.json()["detail"]


def test_a_second_import_is_told_one_is_running_and_the_page_shows_it(world):
    app, _, clients = world
    from haihe.core.importing import import_slot

    with import_slot(app.state.engine, "binhai", "大文件.csv"):
        page = clients["tianjin"].get("/import")
        assert "正在进行一项导入" in page.text and "大文件.csv" in page.text
        r = _import(clients["tianjin"], _csv(["天津排队测试科技有限公司,和平区"]))
    assert r.status_code == 503 and "另一项导入正在进行" in r.text
    assert "Retry-After" in r.headers
    assert "正在进行一项导入" not in clients["tianjin"].get("/import").text


def test_chain_and_segment_names_are_bounded_and_cleaned(world):
    _, _, clients = world
    c = clients["tianjin"]
    text = c.get("/chains/machine_tools/definition.yaml").text
    first = text.split("name: {zh: ", 2)[2].split(",", 1)[0]  # the first segment's name
    long = text.replace(f"name: {{zh: {first},", f'name: {{zh: "{"长" * 300}",', 1)
    r = c.post("/api/v1/chains", files={"file": ("m.yaml", long.encode(), "text/yaml")})
    assert r.status_code == 422 and "环节名称过长" in r.json()["detail"][0]["msg"]
    rlo = text.replace(f"name: {{zh: {first},", f'name: {{zh: "{first}\u202e",', 1)
    r = c.post("/api/v1/chains", files={"file": ("m.yaml", rlo.encode(), "text/yaml")})
    assert r.status_code == 422 and "文字方向" in r.json()["detail"][0]["msg"]


def test_no_code_reads_an_id_through_str_isdigit():
    """str.isdigit() accepts ² and then int() fails: ids and codes go through
    core.limits.is_digits (ASCII only). Only a bytes header check and a heuristic remain."""
    import re

    src = Path(__file__).resolve().parents[2] / "src" / "haihe"
    found = [
        f"{p.relative_to(src)}:{n}"
        for p in src.rglob("*.py")
        for n, line in enumerate(p.read_text("utf-8").splitlines(), start=1)
        if re.search(r"\.isdigit\(\)", line)
        and "declared.isdigit()" not in line
        and "ch.isdigit() for ch" not in line
    ]
    assert not found, found
