"""The chains' part of the demo: the shipped chains, every organisation placed by the
classifier, and a few officers' decisions and list entries, as a working system has."""

from __future__ import annotations

import random

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from haihe.accounts.scopes import command_line
from haihe.chains import members, service
from haihe.chains.models import Chain, ChainListEntry, ChainMember, ChainVersion, Placement
from haihe.chains.placements import classify_all


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    with Session(bind=conn) as s:
        service.do_install_shipped(s, command_line("demo"))  # by the deployment's operator
        s.flush()
    result = classify_all(conn)
    scenario.counts["chains"] = len(conn.execute(select(Chain.id)).all())
    scenario.counts["placements"] = result.placements
    p = Placement.__table__
    named = scenario.named
    decisions = [
        # (organisation, chain, segment, decision, role)
        ("winute", "cybersecurity", "ics_security", "confirmed", "make"),
        ("winute", "xinchuang", "security_sw", "confirmed", "make"),
        ("natong_orthopedic", "biomedicine", "implants", "confirmed", "make"),
        ("cams_tianjin_institute", "biomedicine", "rnd_services", "confirmed", "research"),
        ("lingkr", "biomedicine", "health_services", "confirmed", "service"),
        ("union_tianjin_hospital", "biomedicine", "health_services", "confirmed", "service"),
        ("gloria_chemical", "green_petrochemicals", "chem_materials", "confirmed", "make"),
    ]
    for key, chain, seg, decision, role in decisions:
        oid = named.get(key)
        if oid is None:
            continue
        conn.execute(
            delete(p).where(
                p.c.organisation_id == oid, p.c.chain_key == chain, p.c.segment_id == seg
            )
        )
        conn.execute(
            p.insert().values(
                organisation_id=oid,
                chain_key=chain,
                segment_id=seg,
                role=role,
                source="officer",
                confidence=1.0,
                reason_zh="园区核实（演示数据）",
                reason_en="checked by the park (demo data)",
                decision=decision,
                decided_by="tianjin",
            )
        )
    members.rebuild_for_connection(
        conn, [oid for oid in (named.get(k[0]) for k in decisions) if oid]
    )
    e = ChainListEntry.__table__
    entries = [
        (
            "biomedicine",
            "bottleneck",
            "120000",
            "bioprocess",
            None,
            "高端生物反应器国产化",
            "滨海新区重点攻关",
        ),
        ("integrated_circuits", "bottleneck", "120000", "materials", None, "高纯电子特气", None),
        (
            "biomedicine",
            "key",
            "120000",
            "implants",
            named.get("natong_orthopedic"),
            None,
            "重点项目",
        ),
        (
            "cybersecurity",
            "key",
            "120000",
            "ics_security",
            named.get("winute"),
            None,
            "工控安全领军企业",
        ),
        ("biomedicine", "gap", "120000", "cell_gene", None, None, "引进细胞治疗CDMO"),
    ]
    for chain, kind, region, seg, org, tech, note in entries:
        if kind == "key" and org is None:
            continue
        conn.execute(
            e.insert().values(
                chain_key=chain,
                list_kind=kind,
                region_code=region,
                segment_id=seg,
                organisation_id=org,
                technology=tech,
                note=note,
                active=True,
                created_by="tianjin",
            )
        )


def clear(conn: Connection) -> None:
    conn.execute(delete(ChainMember))
    conn.execute(delete(ChainListEntry))
    conn.execute(delete(Placement))
    conn.execute(delete(ChainVersion))
    conn.execute(delete(Chain))
