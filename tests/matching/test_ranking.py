"""The ranking's plain functions: words (traditional as simplified, bounded, refused when
there is nothing to search by), the parts of a score and the reasons in both languages."""

from __future__ import annotations

import pytest

from haihe.core.errors import InvalidInput
from haihe.matching import ranking, text
from haihe.matching.ranking import Reason, Side


def test_traditional_characters_give_the_words_of_simplified_ones():
    assert set(text.words("單克隆抗體、細胞培養")) == set(text.words("单克隆抗体、细胞培养"))
    assert "抗体" in text.words("單克隆抗體")


def test_place_names_and_company_forms_do_not_count_as_words():
    found = text.words("天津市滨海新区某某生物科技有限公司 单克隆抗体")
    assert "单克隆" in found or "单克隆抗体" in found
    assert not {"天津", "滨海", "有限公司", "公司"} & set(found)


@pytest.mark.parametrize("query", ["", "  ", "抗", "a", "\u200b抗\u200b"])
def test_an_empty_or_one_character_query_is_a_clear_message(query):
    with pytest.raises(InvalidInput) as e:
        text.query_words(query)
    assert e.value.key == "matching.query_too_short"
    assert "两个字" in e.value.message("zh")
    assert "two characters" in e.value.message("en")


def test_a_query_of_place_names_only_says_so():
    with pytest.raises(InvalidInput) as e:
        text.query_words("天津市 有限公司")
    assert e.value.key == "matching.query_no_words"


def test_a_100000_character_abstract_is_read_to_a_bound():
    abstract = "本技术涉及单克隆抗体的制备方法。" * 7000  # 112,000 characters
    assert len(abstract) > 100_000
    terms = text.listing_terms(title="抗体药物", abstract=abstract)
    assert len(terms) < 4 * text.MAX_CHARS
    assert "抗体" in terms.split()


def test_markup_in_a_listing_is_not_a_word():
    found = text.words("<script>alert(1)</script> 工业防火墙 <b>控制系统</b>")
    assert "script" not in found  # the tags are not words; what they held is text
    assert "防火墙" in found


EDGES = {"bio": {("antibody_rd", "biologics_making")}}
NAMES = {
    ("bio", "antibody_rd"): ("抗体研发", "Antibody R&D"),
    ("bio", "biologics_making"): ("生物药生产", "Biologics manufacturing"),
}


def beijing_institute(**over) -> Side:
    base = dict(
        kind="listing",
        id=1,
        organisation_id=10,
        organisation_kind="research_institute",
        province="110000",
        region_code="110108",
        employees=80,
        research=True,
        segments=(("bio", "antibody_rd"),),
        direction="offer",
        listing_kind="technology",
        region_preference=("120000",),
    )
    base.update(over)
    return Side(**base)


def tianjin_maker(**over) -> Side:
    base = dict(
        kind="organisation",
        id=20,
        organisation_id=20,
        province="120000",
        region_code="120116",
        employees=900,
        maker=True,
        segments=(("bio", "biologics_making"),),
    )
    base.update(over)
    return Side(**base)


def test_research_in_one_city_and_making_in_another_scores_each_part():
    r = ranking.explain(
        beijing_institute(), tianjin_maker(), 0.8, ["单克隆抗体", "细胞培养"], EDGES, NAMES
    )
    w = ranking.DEFAULT_WEIGHTS
    assert r.parts["chain"] == pytest.approx(w.chain)
    assert r.parts["city"] == pytest.approx(w.city)
    assert r.parts["preference"] == pytest.approx(w.preference)
    assert r.parts["text"] == pytest.approx(w.text * 0.8)
    assert r.score == pytest.approx(sum(r.parts.values()))
    assert set(r.parts) == set(ranking.PARTS)
    zh = "；".join(x.message("zh") for x in r.reasons)
    en = "; ".join(x.message("en") for x in r.reasons)
    assert "都涉及 单克隆抗体、细胞培养" in zh
    assert "贵方「抗体研发」环节供给对方「生物药生产」环节" in zh
    assert "北京研发 → 天津制造" in zh
    assert "Antibody R&D" in en and "Beijing" in en and "Tianjin" in en
    assert "抗体研发" not in en


def test_the_same_city_and_an_unrelated_segment_score_nothing_for_them():
    partner = tianjin_maker(province="110000", region_code="110105", segments=(("bio", "x"),))
    r = ranking.explain(beijing_institute(region_preference=()), partner, 0.0, [], EDGES, NAMES)
    assert r.parts["chain"] == 0 and r.parts["city"] == 0 and r.parts["text"] == 0
    assert not [x for x in r.reasons if x.key in ("supplies", "research_to_making", "words")]


def test_a_partner_that_supplies_the_subject_is_named_the_other_way_round():
    subject = tianjin_maker(kind="listing", id=5)
    partner = beijing_institute(kind="organisation", id=10)
    r = ranking.explain(subject, partner, 0.5, ["抗体"], EDGES, NAMES)
    reason = next(x for x in r.reasons if x.key == "supplied_by")
    assert reason.message("zh") == "对方「抗体研发」环节供给贵方「生物药生产」环节"
    city = next(x for x in r.reasons if x.key == "research_to_making")
    assert city.message("zh") == "北京研发 → 天津制造"  # research first, whoever asks


def test_a_reason_key_with_or_without_its_prefix_reads_the_same():
    assert (
        Reason("reason.words", {"words": "抗体"}).message()
        == Reason("words", {"words": "抗体"}).message()
    )


def test_region_preference_holds_districts_of_the_region():
    assert ranking.within("120116", "120000")
    assert ranking.within("120116", "120100")  # 天津市辖区 holds 滨海新区
    assert not ranking.within("110108", "120000")
    assert ranking.within("120116", "120116")


def test_ablation_weights_switch_parts_off():
    w = ranking.DEFAULT_WEIGHTS.without("chain", "city")
    r = ranking.explain(beijing_institute(), tianjin_maker(), 1.0, ["抗体"], EDGES, NAMES, w)
    assert r.parts["chain"] == 0 and r.parts["city"] == 0 and r.parts["text"] > 0
