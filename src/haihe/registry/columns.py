"""The columns an organisation file may carry, by their Chinese and English headers."""

from __future__ import annotations

from haihe.core.importing import Column, Columns
from haihe.core.tabular import header_key

# field → header spellings (compared after header_key: no spaces, no bracketed unit).
HEADERS: dict[str, tuple[str, ...]] = {
    "uscc": (
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "uscc",
        "统一代码",
        "unifiedsocialcreditcode",
        "creditcode",
    ),
    "name": (
        "企业名称",
        "名称",
        "单位名称",
        "机构名称",
        "组织名称",
        "公司名称",
        "name",
        "organisation",
        "organization",
        "company",
        "companyname",
    ),
    "name_en": ("英文名称", "englishname", "nameen"),
    "kind": ("机构类型", "组织类型", "主体类型", "kind", "type", "organisationtype"),
    "province": ("所在省份", "省份", "省", "province"),
    "region": (
        "所属地区",
        "地区",
        "所在地区",
        "区县",
        "所属区县",
        "行政区划",
        "区划代码",
        "region",
        "district",
        "regioncode",
    ),
    "park": ("所属园区", "园区", "park"),
    "industry": (
        "行业代码",
        "国民经济行业代码",
        "行业",
        "所属行业",
        "industry",
        "industrycode",
        "industrycodes",
    ),
    "founded": ("成立日期", "注册日期", "成立时间", "founded", "foundingdate", "established"),
    "capital": ("注册资本", "注册资金", "registeredcapital", "capital"),
    "employees": ("从业人数", "员工人数", "职工人数", "人数", "employees", "staff"),
    "website": ("网站", "官网", "网址", "website", "url"),
    "address": ("注册地址", "地址", "住所", "address"),
    "description": (
        "经营范围",
        "主营产品",
        "主要产品",
        "主营业务",
        "简介",
        "企业简介",
        "主要技术",
        "description",
        "products",
        "businessscope",
        "technologies",
    ),
    "high_tech": ("高新技术企业", "高新技术", "高企", "hightech", "hightechenterprise"),
    "specialised": ("专精特新", "专精特新企业", "专精特新小巨人", "specialised", "srdi"),
    "listed": ("是否上市", "上市", "上市企业", "listed"),
    "stock_code": ("股票代码", "证券代码", "上市代码", "stockcode", "ticker"),
    "above_scale": ("规模以上", "规上企业", "规模以上企业", "规上", "abovescale"),
}
REQUIRED = ("name",)
# Columns recognised but deliberately not stored (企业类型 repeats what the USCC says).
IGNORED = ("企业类型", "法人代表", "法定代表人", "错误", "errors", "序号", "no", "id")

COLUMNS = Columns(
    (Column(f, hs, required=f in REQUIRED) for f, hs in HEADERS.items()), unused=IGNORED
)


# Headers written by the export, in this order: each is read back by the import.
EXPORT_COLUMNS = (
    ("uscc", "统一社会信用代码"),
    ("name", "企业名称"),
    ("name_en", "英文名称"),
    ("kind", "机构类型"),
    ("region", "所属地区"),
    ("park", "所属园区"),
    ("industry", "行业代码"),
    ("founded", "成立日期"),
    ("capital", "注册资本"),
    ("employees", "从业人数"),
    ("website", "网站"),
    ("address", "注册地址"),
    ("description", "经营范围"),
    ("high_tech", "高新技术企业"),
    ("specialised", "专精特新"),
    ("listed", "是否上市"),
    ("stock_code", "股票代码"),
    ("above_scale", "规模以上"),
)

YES = {"是", "有", "y", "yes", "true", "1", "√", "✓", "✔", "●"}
NO = {"否", "无", "不是", "n", "no", "false", "0", "×", "✗"}


def yes_no(value: object) -> bool | None:
    """是/否, Y/N, true/false, 1/0, ✓: a yes-or-no cell (None when it is neither)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    return True if text in YES else False if text in NO else None


def specialised_from_text(text: str) -> str | None | bool:
    """专精特新 as files write it: 小巨人 (national "little giant") → little_giant; 是,
    专精特新, 省级, 市级 → srdi; 否 → None; anything else False (unreadable)."""
    t = text.strip().lower()
    if "小巨人" in t or "little" in t or "giant" in t:
        return "little_giant"
    if t in NO:
        return None
    if t in YES or "专精特新" in t or t in ("省级", "市级", "国家级", "srdi"):
        return "srdi"
    return False


def yes_no_text(value: bool, lang: str = "zh") -> str:
    return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")


KIND_WORDS: dict[str, str] = {
    "企业": "enterprise",
    "公司": "enterprise",
    "enterprise": "enterprise",
    "科研院所": "research_institute",
    "研究院": "research_institute",
    "研究所": "research_institute",
    "科研机构": "research_institute",
    "researchinstitute": "research_institute",
    "research_institute": "research_institute",
    "高校": "university",
    "大学": "university",
    "高等院校": "university",
    "university": "university",
    "医院": "hospital",
    "医疗机构": "hospital",
    "hospital": "hospital",
    "园区运营": "park_operator",
    "园区运营商": "park_operator",
    "园区运营方": "park_operator",
    "parkoperator": "park_operator",
    "park_operator": "park_operator",
    "其他": "other",
    "other": "other",
}


def kind_from_text(text: str) -> str | None:
    return KIND_WORDS.get(header_key(text)) or KIND_WORDS.get(text.strip().lower())


def kind_from_name(name: str) -> str:
    """A reasonable kind when the file has none: 研究院 → research institute, and so on."""
    if any(w in name for w in ("大学", "学院")) and "有限" not in name:
        return "university"
    if any(w in name for w in ("研究院", "研究所", "研究中心", "实验室")) and "有限" not in name:
        return "research_institute"
    if "医院" in name and "有限" not in name:
        return "hospital"
    return "enterprise"
