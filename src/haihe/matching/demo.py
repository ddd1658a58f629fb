"""The matching context's part of the source-article demo: "core R&D in Beijing,
transformation in Tianjin" as listings.

Beijing research institutes publish technology achievements (biologics, medical devices,
industrial-control security, medical big data); Tianjin manufacturers publish what they
seek and the capacity they offer — among them the article's Winute (industrial-control
firewalls, 威努特) and Lingkr (tumour big data, 零氪). A few expressions of interest
(one accepted) and users' marks on recommendations follow.

`intended_pairs(session)` returns the known truth: for each demo listing written to have
a partner, the partner it was written for (the listing or organisation a good ranking
puts near the top). Everything here is demo data (is_demo).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from haihe.accounts import queries as accounts
from haihe.accounts.scopes import command_line
from haihe.matching import service
from haihe.matching.models import (
    Interest,
    Listing,
    ListingSegment,
    MatchChange,
    MatchFeedback,
    MatchResult,
    Notification,
)
from haihe.registry import queries as registry

# Beijing R&D side: (key, words its owner's name should hold, kind of owner, title,
# title_en, abstract, field, maturity, IP, keywords)
ACHIEVEMENTS = (
    (
        "bj_antibody",
        ("生物", "医药", "药业"),
        "research_institute",
        "全人源单克隆抗体药物及CHO细胞高密度培养工艺",
        "Fully human monoclonal antibodies and high-density CHO cell culture",
        "面向肿瘤和自身免疫疾病的全人源单克隆抗体药物，完成临床前研究；配套CHO细胞高密度"
        "培养、灌流工艺与纯化工艺，可在2000L生物反应器上放大生产。寻求具备GMP生产条件的"
        "企业承接产业化。",
        "生物药 · 抗体药物",
        6,
        "ZL202010123456.7；ZL202110654321.0",
        "单克隆抗体、细胞培养、生物反应器、抗体药物",
    ),
    (
        "bj_orthopedic",
        ("医疗器械", "医疗科技", "骨科", "医学影像"),
        "research_institute",
        "骨科植入物3D打印多孔钛合金成型技术",
        "3D-printed porous titanium alloy orthopaedic implants",
        "基于电子束熔融的多孔钛合金骨科植入物成型技术，孔隙率与弹性模量可调，已完成动物"
        "实验和型式检验，适用于髋关节、脊柱融合器等高值耗材的产业化。",
        "医疗器械 · 骨科植入物",
        5,
        "ZL201910778899.1",
        "骨科植入物、3D打印、钛合金、脊柱融合器",
    ),
    (
        "bj_ics_security",
        ("信息技术", "软件", "数据", "网络安全", "信创"),
        "research_institute",
        "工业控制系统异常流量检测与可信防护技术",
        "Anomaly detection and trusted protection for industrial control systems",
        "面向工业控制网络的协议深度解析、异常流量检测和白名单可信防护技术，支持Modbus、"
        "OPC UA等工业协议，可嵌入工控防火墙和工业安全网关，寻求工控安全企业产品化合作。",
        "网络安全 · 工控安全",
        6,
        "ZL202111223344.5",
        "工控安全、工控防火墙、工业协议、异常检测",
    ),
    (
        "bj_medical_data",
        ("数据", "信息技术", "软件", "医疗科技"),
        "research_institute",
        "肿瘤真实世界数据治理与临床科研平台技术",
        "Real-world oncology data curation and clinical research platform",
        "面向肿瘤专科的医疗大数据治理技术：病历结构化、多中心数据标准化与隐私计算，"
        "支持真实世界研究和临床科研。寻求肿瘤医疗大数据企业合作开展成果转化。",
        "医疗大数据 · 数字医疗",
        7,
        "软件著作权 2022SR0123456",
        "肿瘤、医疗大数据、真实世界研究、病历结构化",
    ),
)

# Tianjin transformation side: (key, named organisation or words its name should hold,
# direction, kind, title, title_en, abstract, keywords, capacity, amount)
NEEDS = (
    (
        "tj_biologics_seek",
        ("生物", "医药", "药业"),
        "seek",
        "technology",
        "寻求抗体药物产业化技术合作",
        "Seeking antibody drug technology to industrialise",
        "公司拥有GMP生物药生产车间和2000L一次性生物反应器，寻求单克隆抗体药物、细胞培养"
        "工艺等技术成果落地天津产业化。",
        "单克隆抗体、生物反应器、细胞培养、生物药",
        None,
        None,
    ),
    (
        "tj_biologics_capacity",
        ("生物", "医药", "药业"),
        "offer",
        "capacity",
        "生物药CDMO产能：2000L生物反应器生产线",
        "Biologics CDMO capacity: 2000 L bioreactor line",
        "可为抗体药物、重组蛋白药物提供从细胞培养到灌装的合同生产服务。",
        "生物药、抗体药物、合同生产、生物反应器",
        "年产抗体原液 500 公斤",
        None,
    ),
    (
        "natong_seek",
        "natong_orthopedic",
        "seek",
        "technology",
        "寻求骨科植入物新材料与3D打印技术",
        "Seeking new materials and 3D printing for orthopaedic implants",
        "骨科医疗器械生产基地寻求多孔钛合金、3D打印骨科植入物等技术，在天津完成产品注册和"
        "规模化生产。",
        "骨科植入物、3D打印、钛合金",
        None,
        None,
    ),
    (
        "winute_seek",
        "winute",
        "seek",
        "technology",
        "寻求工控安全检测技术合作，丰富工控防火墙产品线",
        "Seeking industrial control security technology for our firewalls",
        "威努特的工控防火墙连续两年市场排名第一，现寻求北京科研院所在工业协议解析、异常"
        "流量检测方面的技术成果，共同开发新一代工控安全产品。",
        "工控安全、工控防火墙、工业协议、异常检测",
        None,
        None,
    ),
    (
        "winute_offer",
        "winute",
        "offer",
        "product",
        "工控防火墙与工业安全网关",
        "Industrial control firewalls and security gateways",
        "面向电力、石化、智能制造企业的工控防火墙、工业安全网关和安全监测审计系统。",
        "工控防火墙、工控安全、工业安全网关",
        None,
        None,
    ),
    (
        "lingkr_seek",
        "lingkr",
        "seek",
        "cooperation",
        "寻求肿瘤医疗大数据科研合作伙伴",
        "Seeking partners for oncology big-data research",
        "零氪科技是国内最早、规模最大的肿瘤医疗大数据与健康管理服务提供商之一，寻求北京"
        "科研院所和医院在肿瘤真实世界研究、病历结构化方面的技术合作。",
        "肿瘤、医疗大数据、真实世界研究",
        None,
        None,
    ),
    (
        "tj_factory_security",
        ("新能源汽车", "汽车科技", "电池", "智能装备", "自动化"),
        "seek",
        "cooperation",
        "智能工厂工控安全防护方案采购",
        "Industrial control security for a smart factory",
        "新建智能工厂需要工控防火墙、工业安全网关等工控安全防护产品和服务。",
        "工控安全、工控防火墙、智能工厂",
        None,
        None,
    ),
    (
        "bj_antibody_investment",
        ("生物", "医药", "药业"),
        "seek",
        "investment",
        "抗体药物项目寻求产业化投资",
        "Antibody drug project seeking investment to industrialise",
        "抗体药物项目完成临床前研究，寻求产业资本投资建设生产线。",
        "抗体药物、单克隆抗体、投资",
        None,
        "5000万",
    ),
)

# The known truth: subject → the partner it was written for.
PAIRS = (
    ("bj_antibody", "tj_biologics_seek"),
    ("bj_orthopedic", "natong_seek"),
    ("bj_ics_security", "winute_seek"),
    ("bj_medical_data", "lingkr_seek"),
    ("tj_factory_security", "winute_offer"),
)


@dataclass(frozen=True)
class IntendedPair:
    """A pair the demo was written to match: the subject listing and its partner (a
    listing, and the partner listing's organisation)."""

    subject_listing_id: int
    partner_listing_id: int
    partner_organisation_id: int
    subject_key: str
    partner_key: str


def _pick(
    session: Session,
    rng: random.Random,
    region: str,
    words: tuple[str, ...],
    kind: str,
    taken: set[int],
) -> int:
    """A demo organisation of `kind` in `region` whose name holds one of `words`."""
    found: list = []
    page = 1
    while True:
        got = registry.search_organisations(
            session, registry.OrganisationFilter(region=region, kind=kind), page=page,
            page_size=500,
        )  # fmt: skip
        found += [o for o in got.items if o.id not in taken]
        if page >= got.pages or page >= 6:
            break
        page += 1
    for word in words:
        fitting = [o for o in found if word in o.name]
        if fitting:
            org = rng.choice(fitting)
            break
    else:
        org = found[0]
    taken.add(org.id)
    return org.id


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    operator = command_line("demo")
    ids: dict[str, int] = {}
    with Session(bind=conn) as s:
        taken: set[int] = set()
        for key, words, kind, title, title_en, abstract, fld, trl, ip, kw in ACHIEVEMENTS:
            org_id = _pick(s, rng, "110000", words, kind, taken)
            ids[key] = service.do_create_listing(
                s,
                operator,
                service.ListingInput(
                    organisation_id=org_id,
                    direction="offer",
                    kind="technology",
                    title=title,
                    title_en=title_en,
                    abstract=abstract,
                    field=fld,
                    maturity=trl,
                    ip=ip,
                    keywords=kw,
                    region_preference="120000",
                    is_demo=True,
                ),
            ).id
        for key, who, direction, kind, title, title_en, abstract, kw, cap, amount in NEEDS:
            if isinstance(who, str):
                org_id = scenario.named[who]
            else:
                region = "110000" if key.startswith("bj_") else "120000"
                owner_kind = "research_institute" if key.startswith("bj_") else "enterprise"
                org_id = (
                    s.get(Listing, ids["bj_antibody"]).organisation_id
                    if key == "bj_antibody_investment"
                    else _pick(s, rng, region, who, owner_kind, taken)
                )
            ids[key] = service.do_create_listing(
                s,
                operator,
                service.ListingInput(
                    organisation_id=org_id,
                    direction=direction,
                    kind=kind,
                    title=title,
                    title_en=title_en,
                    abstract=abstract,
                    keywords=kw,
                    capacity=cap,
                    amount=amount,
                    region_preference="110000" if direction == "seek" else None,
                    is_demo=True,
                ),
            ).id
        # A private need: matched, shown only to its owner and the officers in charge.
        ids["winute_private"] = service.do_create_listing(
            s,
            operator,
            service.ListingInput(
                organisation_id=scenario.named["winute"],
                direction="seek",
                kind="investment",
                title="工控安全新产品线扩产融资",
                title_en="Financing to expand an industrial control security line",
                abstract="工控防火墙新产线扩产，寻求产业基金投资。",
                keywords="工控安全、工控防火墙、投资",
                amount="1.2亿元",
                public=False,
                is_demo=True,
            ),
        ).id
        s.flush()
        listing = {k: s.get(Listing, v) for k, v in ids.items()}
        # Expressions of interest: Beijing → Tianjin, one accepted by Winute.
        interest = service.do_express_interest(
            s,
            operator,
            from_listing_id=ids["bj_ics_security"],
            to_listing_id=ids["winute_seek"],
            message="我院的工控异常流量检测技术可嵌入贵方工控防火墙，希望进一步交流。",
            is_demo=True,
        )
        service.do_answer_interest(s, operator, interest.id, accept=True)
        service.do_express_interest(
            s,
            operator,
            from_listing_id=ids["bj_medical_data"],
            to_listing_id=ids["lingkr_seek"],
            message="愿就肿瘤真实世界数据治理开展合作。",
            is_demo=True,
        )
        service.do_express_interest(
            s,
            operator,
            from_listing_id=ids["tj_factory_security"],
            to_listing_id=ids["winute_offer"],
            is_demo=True,
        )
        # Users' marks on recommendations.
        marks = (
            ("winute", "winute_seek", "bj_ics_security", True),
            ("winute", "winute_offer", "tj_factory_security", True),
            ("tianjin", "bj_antibody", "tj_biologics_seek", True),
            ("tianjin", "bj_orthopedic", "natong_seek", True),
            ("tianjin", "bj_medical_data", "tj_biologics_capacity", False),
            ("binhai", "lingkr_seek", "bj_medical_data", True),
        )
        for username, subject, partner, useful in marks:
            who = accounts.principal_by_username(s, username)
            if who is None:
                continue
            service.do_mark_recommendation(
                s, who, "listing", ids[subject], "listing", ids[partner], useful
            )
        s.flush()
        scenario.counts["listings"] = len(listing)
        scenario.counts["interests"] = 3


def intended_pairs(session: Session) -> list[IntendedPair]:
    """The demo's known truth (for the quality benchmark): each demo listing written for
    a partner, with that partner listing and its organisation. Empty without the demo."""
    by_title = {
        x.title: x
        for x in session.execute(select(Listing).where(Listing.is_demo.is_(True))).scalars()
    }
    titles = {a[0]: a[3] for a in ACHIEVEMENTS} | {n[0]: n[4] for n in NEEDS}
    out = []
    for a, b in PAIRS:
        sa, sb = by_title.get(titles[a]), by_title.get(titles[b])
        if sa is None or sb is None:
            continue
        out.append(IntendedPair(sa.id, sb.id, sb.organisation_id, a, b))
    return out


def clear(conn: Connection) -> None:
    for table in (
        Notification,
        MatchFeedback,
        Interest,
        MatchResult,
        MatchChange,
        ListingSegment,
        Listing,
    ):
        conn.execute(delete(table))
