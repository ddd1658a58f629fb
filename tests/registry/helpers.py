"""Writing small organisation files the way users' tools write them."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import Principal, command_line
from haihe.codes import uscc
from haihe.registry.models import Organisation

# Who writes in tests that are not about scopes: the command line's operator (an admin).
OPERATOR = command_line("test")
# Who imports in tests that are not about scopes.
ADMIN = Principal(username="admin", role="admin")

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所属地区",
    "行业代码",
    "成立日期",
    "注册资本(万元)",
    "从业人数",
    "经营范围",
]


def code(n: int, region: str = "120116") -> str:
    """A valid USCC for a test organisation number n."""
    return uscc.make(f"91{region}MA{n:07d}")


def row(n: int, **over: str) -> list[str]:
    base = {
        "统一社会信用代码": code(n),
        "企业名称": f"天津测试{n}号科技有限公司",
        "所属地区": "滨海新区",
        "行业代码": "3973",
        "成立日期": "2015-03-01",
        "注册资本(万元)": "500",
        "从业人数": "120",
        "经营范围": "集成电路制造；技术开发",
    }
    base.update(over)
    return [base[h] for h in HEADER]


def write_csv(
    path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        if header:
            w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(
    path: Path, rows: list[list[object]], header: list[str] = HEADER, title: str | None = None
) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def count(engine) -> int:  # noqa: ANN001
    with Session(engine) as s:
        return s.execute(select(func.count(Organisation.id))).scalar_one()


def all_orgs(engine) -> list[Organisation]:  # noqa: ANN001
    with Session(engine) as s:
        return list(s.execute(select(Organisation).order_by(Organisation.id)).unique().scalars())
