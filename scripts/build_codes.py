"""Build the shipped code tables in src/haihe/codes/data from ../shared/data.

Run once by a developer when the upstream tables change; the output CSVs are
committed and shipped, so the running app never needs pypinyin or ../shared.

    .venv/bin/pip install pypinyin && .venv/bin/python scripts/build_codes.py

Sources and licences are written to src/haihe/codes/data/SOURCES.md.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from pypinyin import Style, lazy_pinyin

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "src" / "haihe" / "codes" / "data"

# Readings pypinyin gets wrong in place names (polyphones), keyed by the character run.
PINYIN_FIX = {
    "长安": "Chang'an",
    "长治": "Changzhi",
    "长城": "Changcheng",
    "长垣": "Changyuan",
    "长春": "Changchun",
    "长沙": "Changsha",
    "长宁": "Changning",
    "长寿": "Changshou",
    "乐亭": "Laoting",
    "蔚县": "Yuxian",
    "蔚": "Yu",
    "大城": "Daicheng",
    "阜平": "Fuping",
    "曲阳": "Quyang",
    "曲周": "Quzhou",
    "井陉": "Jingxing",
    "藁城": "Gaocheng",
    "涞水": "Laishui",
    "涿州": "Zhuozhou",
    "蠡县": "Lixian",
    "沙河": "Shahe",
    "东光": "Dongguang",
    "重庆": "Chongqing",
    "厦门": "Xiamen",
    "六安": "Lu'an",
    "丽水": "Lishui",
    "朝阳": "Chaoyang",
    "朝天": "Chaotian",
    "番禺": "Panyu",
    "蚌埠": "Bengbu",
    "泌阳": "Biyang",
}

SUFFIX_EN = [
    ("自治县", "Autonomous County"),
    ("新区", "New Area"),
    ("管理区", "Administrative Area"),
    ("矿区", "Mining District"),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
]

ZONES_EN = [
    ("高新技术产业开发区", "Hi-tech Industrial Development Zone"),
    ("经济技术开发区", "Economic and Technological Development Zone"),
    ("经济开发区", "Economic Development Zone"),
]

SPECIAL_EN = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "310000": "Shanghai",
    "500000": "Chongqing",
    "120116": "Binhai New Area",
    "150000": "Inner Mongolia",
    "540000": "Tibet",
    "450000": "Guangxi",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "610000": "Shaanxi",
}


def pinyin(text: str) -> str:
    for k, v in PINYIN_FIX.items():
        if text == k:
            return v
    for k, v in PINYIN_FIX.items():
        if text.startswith(k):
            rest = text[len(k) :]
            return v + (pinyin(rest).lower() if rest else "")
    syl = lazy_pinyin(text, style=Style.NORMAL)
    word = ""
    for s in syl:
        if word and s[:1] in "aeo":
            word += "'"
        word += s
    return word[:1].upper() + word[1:]


def english(code: str, name: str, level: str) -> str:
    if code in SPECIAL_EN:
        return SPECIAL_EN[code]
    if level == "province":
        base = re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", name)
        return pinyin(base)
    for zh, en in ZONES_EN:
        if name.endswith(zh) and len(name) > len(zh):
            stem = re.sub(r"^河北", "", name[: -len(zh)])
            stem = re.sub(r"市$", "", stem)
            return pinyin(stem) + " " + en
    if re.search(r"(开发区|产业园区|示范区|新城|合作区)$", name):
        return pinyin(name)
    if level == "prefecture" and name.endswith("市"):
        return pinyin(name[:-1])
    if name.endswith("市"):
        return pinyin(name[:-1]) + " City"
    for zh, en in SUFFIX_EN:
        if name.endswith(zh) and len(name) > len(zh):
            stem = name[: -len(zh)]
            stem = (
                re.sub(r"(满族|回族|蒙古族|土家族|苗族|彝族|藏族|朝鲜族|壮族|瑶族)+$", "", stem)
                or stem
            )
            if len(stem) == 1:
                stem = name[: -len(zh)] + zh if zh in "县区" else stem
                return pinyin(stem)
            return pinyin(stem) + " " + en
    return pinyin(name)


def short(name: str, level: str) -> str:
    if re.search(r"(开发区|管理区|新城)$", name):
        return name
    s = re.sub(r"(省|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", name)
    s = re.sub(r"(满族|回族|蒙古族|土家族)*(自治县)$", "", s)
    s = re.sub(r"(新区|矿区|区|县|市)$", "", s)
    return s if len(s) >= 2 else name


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def main() -> None:
    rows: dict[str, dict[str, str]] = {}
    for p in read(SHARED / "regions" / "provinces.csv"):
        code = p["code"] + "0000"
        rows[code] = dict(code=code, parent="", level="province", name_zh=p["name"])
    for c in read(SHARED / "regions" / "cities.csv"):
        if c["name"] in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        code = c["code"] + "00"
        rows[code] = dict(
            code=code, parent=c["provinceCode"] + "0000", level="prefecture", name_zh=c["name"]
        )
    for a in read(SHARED / "regions" / "areas.csv"):
        if a["name"] == "市辖区":
            continue
        city = a["cityCode"] + "00"
        parent = city if city in rows else a["provinceCode"] + "0000"
        rows[a["code"]] = dict(code=a["code"], parent=parent, level="county", name_zh=a["name"])
    # Abolished or renamed Beijing/Tianjin/Hebei codes: kept so that old USCCs and
    # old exports still decode, marked with their validity years.
    for b in read(SHARED / "regions" / "bth_codes_with_validity.csv"):
        m = re.match(r"\[(\d{4})?-(\d{4})?\](.*)", b["name_with_validity"])
        if not m or b["code"] in rows:
            continue
        name = m.group(3)
        if name in ("市辖区", "县", "郊区") or not m.group(2):
            continue
        code = b["code"]
        level = "prefecture" if code.endswith("00") else "county"
        parent = (
            (code[:4] + "00")
            if level == "county" and (code[:4] + "00") in rows
            else code[:2] + "0000"
        )
        if level == "prefecture":
            parent = code[:2] + "0000"
        rows[code] = dict(code=code, parent=parent, level=level, name_zh=name, valid_to=m.group(2))
    out = []
    for code in sorted(rows):
        r = rows[code]
        out.append(
            {
                "code": code,
                "parent": r["parent"],
                "level": r["level"],
                "name_zh": r["name_zh"],
                "short_zh": short(r["name_zh"], r["level"]),
                "name_en": english(code, r["name_zh"], r["level"]),
                "valid_to": r.get("valid_to", ""),
            }
        )
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "regions.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    print(f"regions.csv: {len(out)} rows")

    inds = read(SHARED / "industries" / "gbt4754_2017.csv")
    with (OUT / "industries.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["level", "code", "section", "division", "group", "class", "name_zh", "description_zh"]
        )
        for r in inds:
            w.writerow(
                [
                    r["level"],
                    r["code"],
                    r["section"],
                    r["division"],
                    r["group"],
                    r["class"],
                    r["name"],
                    r["description"],
                ]
            )
    print(f"industries.csv: {len(inds)} rows")


if __name__ == "__main__":
    main()
