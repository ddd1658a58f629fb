from haihe.codes import industries


def test_the_whole_classification_is_shipped():
    levels = {}
    for i in industries.all_industries():
        levels[i.level] = levels.get(i.level, 0) + 1
    assert levels["section"] == 20
    assert levels["division"] == 97
    assert levels["class"] == 1380
    assert levels["group"] >= 473 - 5  # groups of a single class are synthesised


def test_single_class_groups_exist_with_their_parent():
    group = industries.get("652")
    assert group is not None and group.parent == "65"
    assert industries.get("6520").parent == "652"
    assert industries.is_within("6520", "I")


def test_english_names_for_sections_and_fallback_elsewhere():
    assert industries.get("C").name("en") == "Manufacturing"
    assert "Manufacture" in industries.get("3973").name("en")
    assert industries.get("3973").name("zh") == "集成电路制造"


def test_search_by_name_and_code():
    codes = [i.code for i in industries.search("集成电路")]
    assert "3973" in codes and "6520" in codes
    assert industries.search("2761")[0].code == "2761"
