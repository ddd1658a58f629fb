"""The registry's part of the source-article demo: parks and organisations.

The article names a few organisations (in English, as it gives them) and two parks:
the Tianjin Binhai-Zhongguancun Science and Technology Park with more than 4,000
registered enterprises, and the higher-education science and technology innovation
park with hundreds. Around them the generator makes organisations whose names, USCCs,
regions, industries, sizes and business scopes look like real ones; they are marked as
demo data (is_demo) and the article's own as named_in_source.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Connection, delete, insert, select

from haihe.accounts.scopes import command_line
from haihe.codes import regions, uscc
from haihe.registry.models import Organisation, OrganisationIndustry, Park
from haihe.registry.schemas import OrganisationCreate
from haihe.registry.service import do_bulk_create_organisations

BZ_PARK = "binhai_zhongguancun"
TK_PARK = "tiankai_higher_education"

PARKS = (
    (
        BZ_PARK,
        "天津滨海—中关村科技园",
        "Tianjin Binhai-Zhongguancun Science and Technology Park",
        "120116",
        "天津滨海中关村科技园运营管理有限公司",
        "京津合作共建的科技园区，自挂牌以来注册企业超过4000家。",
    ),
    (
        TK_PARK,
        "天开高教科创园",
        "TFI Higher Education Science and Technology Innovation Park",
        "120104",
        "天开高教科创园运营管理有限公司",
        "依托高校资源的科技创新园区，入驻企业数百家，连接北京创新资源，推动成果转化。",
    ),
    (
        "zgc_haidian",
        "中关村科学城",
        "Zhongguancun Science City",
        "110108",
        None,
        "北京海淀的科技创新核心区。",
    ),
    (
        "bda",
        "北京经济技术开发区",
        "Beijing Economic-Technological Development Area",
        "110115",
        None,
        "北京亦庄，高端制造与生物医药集聚区。",
    ),
    (
        "baoding_zgc",
        "保定·中关村创新中心",
        "Baoding Zhongguancun Innovation Center",
        "130600",
        None,
        "京津冀协同创新平台。",
    ),
    (
        "langfang_etdz",
        "廊坊经济技术开发区",
        "Langfang Economic and Technological Development Zone",
        "131071",
        None,
        "承接北京产业转移的开发区。",
    ),
)
PARK_SIZES = {
    BZ_PARK: 4126,
    TK_PARK: 612,
    "zgc_haidian": 900,
    "bda": 700,
    "baoding_zgc": 260,
    "langfang_etdz": 380,
}

# The organisations the article names, in the English form it gives. Chinese names are
# the commonly used ones where known; where only the English form is certain the
# Chinese name is a rendering of it, and the description says so.
NAMED = (
    (
        "union_tianjin_hospital",
        "协和天津医院",
        "Union Tianjin Hospital (Tianjin Hospital of Union Medical College)",
        "hospital",
        "120000",
        None,
        ("8411",),
        "原文所称“Union Tianjin Hospital (Phase I)”，一期已建成启用。",
    ),
    (
        "gloria_chemical",
        "Gloria化学高分子项目公司",
        "Gloria Chemical (Macromolecule Project)",
        "enterprise",
        "120116",
        None,
        ("2651",),
        "原文所称 Gloria Chemical Macromolecule Project，2023年建成投产。中文名按英文译出。",
    ),
    (
        "cams_tianjin_institute",
        "中国医学科学院天津医学健康研究院",
        "Tianjin Institute of Medical Health of the Chinese Academy of Medical Sciences",
        "research_institute",
        "120000",
        None,
        ("7340",),
        "医学研究和成果转化平台，2023年启动建设。",
    ),
    (
        "natong_orthopedic",
        "北京纳通骨科产业基地",
        "Beijing Natong Orthopedic Production Base",
        "enterprise",
        "120000",
        None,
        ("3584",),
        "骨科医疗器械生产基地，2023年开工建设。",
    ),
    (
        "winute",
        "天津威努特信息技术有限公司",
        "Tianjin Winute Information Technology",
        "enterprise",
        "120116",
        BZ_PARK,
        ("6513", "6540"),
        "工业控制系统安全产品（工控防火墙）连续两年市场排名第一，工控安全领域领军企业。",
    ),
    (
        "lingkr",
        "零氪科技（天津）有限公司",
        "Lingkr Technology (Tianjin)",
        "enterprise",
        "120116",
        BZ_PARK,
        ("6513", "6450"),
        "国内最早、规模最大的肿瘤医疗大数据与健康管理服务提供商之一。",
    ),
)

# Domains: (key, name words, industry codes, maker scopes, R&D scopes, seller scopes).
# Several scopes per role, written the way real business scopes read, so that the chain
# maps show segments of different strength.
DOMAINS = (
    (
        "biomed",
        ("生物", "生物医药", "医药", "生物技术", "药业"),
        ("2761", "2762", "2720", "2710", "2740"),
        (
            "生产单克隆抗体药物、重组蛋白药物；生物反应器培养工艺开发",
            "生产化学药品制剂（片剂、胶囊剂、注射剂）",
            "生产原料药、医药中间体（不含危险化学品）",
            "中成药、中药饮片生产",
            "生产疫苗；生物制品研发",
            "生产药用辅料、药用包装材料",
        ),
        (
            "生物医药技术开发、技术转让、技术咨询；医学研究和试验发展",
            "抗体药物研发；细胞治疗（CAR-T）技术研发；医学研究和试验发展",
            "新药研发、药物筛选、临床前研究服务",
            "基因治疗、干细胞技术研究与试验发展",
            "药物临床试验服务；医药研发外包",
        ),
        (
            "销售医疗器械（III类除外）、化工产品（不含危险化学品）",
            "药品批发；销售第一类医疗器械",
        ),
    ),
    (
        "meddev",
        ("医疗器械", "医疗科技", "医学影像", "骨科"),
        ("3581", "3584", "3586", "3589"),
        (
            "生产III类医疗器械（骨科植入物、医学影像设备）",
            "生产第二类医疗器械：监护仪、超声诊断设备",
            "生产体外诊断试剂、检测试剂盒",
            "生产心血管支架、介入器械；外科器械加工",
        ),
        (
            "医疗器械技术开发；医学影像算法研发",
            "体外诊断技术开发；医疗器械研发",
        ),
        ("销售第二类医疗器械；销售医疗器械（不含药品）",),
    ),
    (
        "ic",
        ("微电子", "芯", "半导体", "集成电路", "芯片"),
        ("3973", "6520", "3562", "3985", "3972"),
        (
            "集成电路制造、封装测试；半导体器件专用设备制造",
            "生产功率半导体器件、碳化硅功率器件",
            "生产光刻胶、电子特气、湿电子化学品（不含危险化学品）",
            "晶圆制造；集成电路制造",
        ),
        (
            "集成电路设计；半导体技术开发、技术服务",
            "芯片设计；EDA软件开发",
            "模拟芯片、射频芯片设计与技术开发",
        ),
        ("销售电子元器件、集成电路",),
    ),
    (
        "xinchuang",
        ("信息技术", "软件", "数据", "信创", "网络安全"),
        ("6511", "6513", "3911", "6531"),
        (
            "计算机整机制造；服务器制造",
            "生产存储设备、固态硬盘",
            "信息安全设备制造；防火墙、安全网关生产",
        ),
        (
            "基础软件开发；数据库、操作系统研发；网络与信息安全软件开发",
            "中间件开发；应用软件开发",
            "工业软件开发；制造执行系统（MES）研发",
            "工业互联网平台开发；工业大数据技术服务",
            "云计算、数据中心技术开发；信息系统集成服务",
        ),
        ("销售计算机软硬件及辅助设备",),
    ),
    (
        "nev",
        ("新能源汽车", "汽车科技", "电池", "动力"),
        ("3612", "3670", "3841"),
        (
            "新能源汽车整车及零部件制造；锂离子电池制造",
            "动力电池、电池模组制造；电池管理系统生产",
            "驱动电机、电机控制器制造",
            "生产正极材料、负极材料、电解液（不含危险化学品）",
            "充电桩、充电模块制造",
            "生产激光雷达、毫米波雷达、车载摄像头",
        ),
        (
            "新能源汽车技术研发；电池管理系统技术开发",
            "自动驾驶、智能驾驶系统研发；车路协同技术开发",
        ),
        ("销售汽车零配件",),
    ),
    (
        "robot",
        ("机器人", "智能装备", "自动化"),
        ("3491", "3492", "4011"),
        (
            "工业机器人制造；特殊作业机器人制造",
            "生产谐波减速器、RV减速器",
            "生产伺服电机、伺服驱动器",
            "服务机器人、手术机器人制造",
            "巡检机器人、特种机器人生产",
        ),
        (
            "机器人技术开发；智能控制系统研发",
            "机器视觉、具身智能技术研发",
        ),
        ("销售机械设备、电子产品",),
    ),
    (
        "machine_tool",
        ("精密机械", "数控", "机床"),
        ("3421", "3399"),
        (
            "数控金属切削机床制造；精密零部件加工",
            "加工中心、数控车床制造",
            "电主轴、滚珠丝杠、直线导轨等机床功能部件制造",
            "机床铸件、精密铸造",
            "激光切割、激光焊接设备制造",
        ),
        ("数控系统技术开发", "增材制造、3D打印技术开发"),
        ("销售机床及配件",),
    ),
    (
        "hydrogen",
        ("氢能", "燃料电池", "能源科技"),
        ("2614", "3849"),
        (
            "氢燃料电池电堆及系统制造；制氢设备制造",
            "电解槽、电解水制氢设备制造",
            "储氢瓶、储氢罐生产",
            "加氢站设备、氢气压缩机制造",
            "工业副产氢提纯；氢气生产（危险化学品按许可经营）",
        ),
        ("氢能技术开发、技术转让", "质子交换膜、膜电极技术研发"),
        ("销售化工产品（不含危险化学品）",),
    ),
    (
        "aerospace",
        ("航空", "航天", "无人机"),
        ("3743", "3744", "3963"),
        (
            "航空相关设备制造；智能无人飞行器制造",
            "航空零部件、航空结构件加工",
            "卫星导航终端、北斗应用设备生产（卫星接收设备除外）",
            "航空器维修；通用航空服务",
        ),
        ("航空航天技术研发", "卫星遥感数据处理技术开发"),
        ("销售航空器材",),
    ),
    (
        "materials",
        ("新材料", "材料科技", "化工"),
        ("2651", "2669", "3985"),
        (
            "合成树脂、专用化学品制造（不含危险化学品）",
            "碳纤维、复合材料制造",
            "高温合金、钛合金材料生产",
            "特种陶瓷、石墨制品制造",
            "塑料薄膜、改性塑料生产",
            "聚乙烯、聚丙烯等高端聚烯烃生产",
        ),
        ("新材料技术开发、技术推广", "石墨烯、纳米材料研发"),
        ("销售化工产品、塑料制品",),
    ),
)
# Where each domain is thicker (multiplying a base weight of 1): Beijing leans to R&D-heavy
# biomedicine and software, Tianjin to devices, chips, vehicles and aerospace, Hebei to
# materials, hydrogen, machinery and APIs.
DOMAIN_WEIGHTS = {
    "110000": {
        "biomed": 2.5,
        "xinchuang": 2.0,
        "ic": 1.5,
        "robot": 1.2,
        "hydrogen": 0.6,
        "materials": 0.5,
    },
    "120000": {
        "meddev": 2.5,
        "ic": 1.5,
        "nev": 1.5,
        "aerospace": 1.5,
        "xinchuang": 1.3,
        "materials": 1.2,
    },
    "130000": {
        "materials": 2.0,
        "hydrogen": 2.0,
        "machine_tool": 1.8,
        "nev": 1.2,
        "biomed": 1.2,
        "ic": 0.4,
    },
}
ROLE_WEIGHTS = {
    "110000": (("maker", 0.2), ("rnd", 0.6), ("seller", 0.2)),
    "120000": (("maker", 0.6), ("rnd", 0.22), ("seller", 0.18)),
    "130000": (("maker", 0.62), ("rnd", 0.13), ("seller", 0.25)),
}
BRAND = "华宏泰瑞恒博康安达鑫源盛通远创新科瀚睿智凯德信诚嘉晟航正合联天宇辰星海川明锐腾"


def _suffix_after(word: str, suffix: str) -> str:
    """The legal-form suffix without the word the name already ends with: 生物技术 +
    技术有限公司 gives 生物技术有限公司, not …技术技术有限公司."""
    for lead in ("科技", "技术"):
        if word.endswith(lead) and suffix.startswith(lead):
            return suffix[len(lead) :]
    return suffix


SUFFIXES = (
    ("科技有限公司", 5),
    ("技术有限公司", 3),
    ("有限公司", 3),
    ("股份有限公司", 1),
    ("集团有限公司", 0.3),
)
HOME_WEIGHTS = (("110000", 0.36), ("120000", 0.34), ("130000", 0.30))


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for item, w in weighted:
        x -= w
        if x <= 0:
            return item
    return weighted[-1][0]


def _counties(province: str) -> list[str]:
    codes = []
    for r in regions.children(province):
        if r.level == "county":
            codes.append(r.code)
        else:
            codes.extend(c.code for c in regions.children(r.code) if c.level == "county")
    return codes


def _uscc(rng: random.Random, region_code: str, used: set[str], kind: str) -> str:
    head = {
        "enterprise": "91",
        "research_institute": "12",
        "university": "12",
        "hospital": "12",
        "park_operator": "91",
        "other": "52",
    }[kind]
    while True:
        body = "".join(rng.choice(uscc.ALPHABET[:10] if i < 8 else uscc.ALPHABET) for i in range(9))
        code = uscc.make(head + region_code + body)
        if code not in used:
            used.add(code)
            return code


def _place_prefix(region_code: str) -> str:
    region = regions.require(region_code)
    prov = regions.require(region.province_code)
    if prov.code in ("110000", "120000"):
        return prov.short_zh
    pref = regions.get(region.parent or "") if region.level == "county" else region
    return pref.short_zh if pref and pref.level == "prefecture" else prov.short_zh


def _make_org(
    rng: random.Random,
    region_code: str,
    park_id: int | None,
    used_names: set[str],
    used_uscc: set[str],
    kind: str = "enterprise",
) -> OrganisationCreate:
    province = region_code[:2] + "0000"
    weights = DOMAIN_WEIGHTS.get(province, {})
    key = _pick(rng, tuple((d[0], weights.get(d[0], 1.0)) for d in DOMAINS))
    key, words, codes, makers, rnds, sellers = next(d for d in DOMAINS if d[0] == key)
    role = _pick(rng, ROLE_WEIGHTS.get(province, (("maker", 0.45), ("rnd", 0.35), ("seller", 0.2))))
    if kind in ("research_institute", "university"):
        role = "rnd"
    place = _place_prefix(region_code)
    while True:
        brand = rng.choice(BRAND) + rng.choice(BRAND)
        word = rng.choice(words)
        if kind == "research_institute":
            name = f"{place}{brand}{word}研究院"
        elif kind == "university":
            name = f"{place}{brand}{word}学院"
        else:
            suffix = _suffix_after(word, _pick(rng, SUFFIXES))
            name = (
                f"{brand}{word}（{place}）{suffix}"
                if rng.random() < 0.2
                else f"{place}{brand}{word}{suffix}"
            )
        if name not in used_names:
            used_names.add(name)
            break
    scope = rng.choice({"maker": makers, "rnd": rnds, "seller": sellers}[role])
    extra = "；技术开发、技术咨询、技术服务；货物进出口" if role != "seller" else "；日用百货销售"
    industry = [rng.choice(codes)]
    if role == "rnd":
        industry.append("7340" if key in ("biomed", "meddev") else "7320")
    elif role == "seller":
        industry = ["5179"]
    size = rng.lognormvariate(3.2, 1.2)
    capital = Decimal(max(10, round(rng.lognormvariate(6.5, 1.4)))) * 10000
    founded = date(1995, 1, 1) + timedelta(days=rng.randrange(0, 365 * 29))
    # The attributes officers filter by, from a generator of their own (seeded by the
    # name), so that the rest of the demo stays as it was.
    attrs = random.Random(f"attributes:{name}")
    big = capital >= 5_000_000 and kind == "enterprise" and role != "seller"
    high_tech = big and attrs.random() < 0.45
    specialised = None
    if high_tech and attrs.random() < 0.3:
        specialised = "little_giant" if attrs.random() < 0.25 else "srdi"
    stock_code = None
    if capital >= 50_000_000 and kind == "enterprise" and attrs.random() < 0.3:
        stock_code = f"{attrs.choice(('688', '300', '002', '603'))}{attrs.randrange(1000):03d}"
        stock_code += ".SH" if stock_code[0] == "6" else ".SZ"
    return OrganisationCreate(
        high_tech=high_tech,
        specialised=specialised,
        listed=stock_code is not None,
        stock_code=stock_code,
        above_scale=big and size >= 40,
        name=name,
        kind=kind,
        uscc=_uscc(rng, region_code, used_uscc, kind),
        region_code=region_code,
        park_id=park_id,
        industry_codes=tuple(dict.fromkeys(industry)),
        founded=founded,
        registered_capital=capital,
        employees=max(3, int(size)),
        description=scope + extra + "。",
        source="demo",
        is_demo=True,
    )


def build(conn: Connection, rng: random.Random, scenario) -> None:  # noqa: ANN001
    for key, name, name_en, region, operator, desc in PARKS:
        pid = conn.execute(
            insert(Park).returning(Park.id),
            {
                "name": name,
                "name_en": name_en,
                "region_code": region,
                "operator": operator,
                "description": desc,
                "is_demo": True,
            },
        ).scalar_one()
        scenario.parks[key] = pid

    named_inputs = []
    # The article's named enterprises: attributes they plausibly hold (demo data).
    named_attrs = {
        "winute": {"high_tech": True, "specialised": "little_giant", "above_scale": True},
        "lingkr": {"high_tech": True, "specialised": "srdi"},
        "natong_orthopedic": {"high_tech": True, "above_scale": True},
        "gloria_chemical": {"above_scale": True},
    }
    for key, zh, en, kind, region, park, codes, desc in NAMED:
        named_inputs.append(
            (
                key,
                OrganisationCreate(
                    name=zh,
                    name_en=en,
                    kind=kind,
                    region_code=region,
                    park_id=scenario.parks.get(park) if park else None,
                    industry_codes=codes,
                    description=desc,
                    source="source_article",
                    named_in_source=True,
                    **named_attrs.get(key, {}),
                ),
            )
        )
    operator = command_line("demo")  # the demo is built by the deployment's operator
    ids = do_bulk_create_organisations(conn, operator, [i for _, i in named_inputs])
    scenario.named.update({key: oid for (key, _), oid in zip(named_inputs, ids, strict=True)})

    used_names: set[str] = {i.name for _, i in named_inputs}
    used_uscc: set[str] = set()
    items: list[OrganisationCreate] = []
    for key, size in PARK_SIZES.items():
        park_region = next(p[3] for p in PARKS if p[0] == key)
        pid = scenario.parks[key]
        for _ in range(size - sum(1 for n in NAMED if n[5] == key)):
            items.append(_make_org(rng, park_region, pid, used_names, used_uscc))
    # Organisations outside the parks, across the three provinces, with research
    # institutes and universities concentrated in Beijing ("Beijing R&D").
    county_cache = {p: _counties(p) for p, _ in HOME_WEIGHTS}
    for _ in range(6000):
        province = _pick(rng, HOME_WEIGHTS)
        region = rng.choice(county_cache[province])
        kind = "enterprise"
        roll = rng.random()
        if roll < (0.05 if province == "110000" else 0.015):
            kind = "research_institute"
        elif roll < (0.07 if province == "110000" else 0.025):
            kind = "university"
        items.append(_make_org(rng, region, None, used_names, used_uscc, kind))
    ids = do_bulk_create_organisations(conn, operator, items)
    scenario.organisation_ids = ids
    for oid, item in zip(ids, items, strict=True):
        if item.kind == "enterprise" and item.region_code:
            scenario.by_province.setdefault(item.region_code[:2] + "0000", []).append(oid)
    scenario.counts["parks"] = len(PARKS)
    scenario.counts["organisations"] = len(ids) + len(named_inputs)
    scenario.counts["named in source"] = len(named_inputs)


def clear(conn: Connection) -> None:
    conn.execute(delete(OrganisationIndustry))
    conn.execute(delete(Organisation))
    conn.execute(delete(Park))


__all__ = ["build", "clear", "select"]
