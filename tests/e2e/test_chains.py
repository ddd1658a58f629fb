"""An officer opens a chain map, compares two cities, clicks a segment, keeps the lists,
rules on a placement, and edits the chain into a new version."""

import re

from playwright.sync_api import expect

from haihe.chains.definitions import shipped as _shipped
from tests.e2e.conftest import login

SHIPPED_CHAINS = len(_shipped())


def test_chain_map_side_by_side_and_segment_drill_down(page, tmp_path):
    page.goto("/chains")
    expect(page.locator("#chains tbody tr")).to_have_count(SHIPPED_CHAINS)
    page.locator("#chains a", has_text="生物医药").click()
    expect(page.locator("#chain-name")).to_have_text("生物医药")
    page.select_option("#region-select", "120000")
    page.select_option("#compare-select", "110000")
    page.click("#region-go")
    # Two graphs drawn by ECharts (SVG), coloured by the diagnosis of each city.
    expect(page.locator("#graph-0[data-ready='1'] svg")).to_be_visible()
    expect(page.locator("#graph-1[data-ready='1'] svg")).to_be_visible()
    expect(page.locator("#diagnosis thead")).to_contain_text("北京")
    expect(page.locator("#complementarity tbody tr").first).to_contain_text("北京")
    page.screenshot(path=str(tmp_path / "chain.png"), full_page=True)
    # The panorama drills down to Tianjin's districts and parks.
    page.click("#by-district")
    expect(page.locator("#panorama thead")).to_contain_text("滨海新区")
    page.click("#by-park")
    expect(page.locator("#panorama thead")).to_contain_text("天津滨海—中关村科技园")
    page.goto("/chains/biomedicine?region=120000&compare=110000")
    # Clicking a node opens the segment with its organisations and evidence.
    box = page.locator("#graph-0").bounding_box()
    page.locator("#diagnosis tr[data-segment='implants'] a").click()
    expect(page.locator("#segment-name")).to_have_text("高值耗材与植入物")
    # The rule in words ("得分 2.52，不低于“强”的门槛 1.0"), not "score ≥ strong_at".
    expect(page.locator("#evidence")).to_contain_text("“强”的门槛")
    expect(page.locator("#evidence")).not_to_contain_text("strong_")
    expect(page.locator("#segment-orgs tbody tr").first).to_contain_text("天津")
    expect(page.locator("#segment-orgs tbody tr").first).to_contain_text("骨科植入物")
    assert box["height"] > 300


def test_clicking_a_node_in_the_graph_opens_its_segment(page):
    page.goto("/chains/hydrogen?region=130000")
    expect(page.locator("#graph-0[data-ready='1'] svg")).to_be_visible()
    # The first upstream node sits at the top left of the drawing; click its label.
    page.locator("#graph-0 svg text", has_text="制氢").first.click()
    expect(page).to_have_url(re.compile(r"/chains/hydrogen/segments/\w+\?region=130000"))


def test_officer_keeps_the_lists_and_rules_on_a_placement(page):
    login(page, "tianjin")
    page.goto("/chains/integrated_circuits/lists?region=120000")
    page.select_option("#add-bottleneck select[name=segment_id]", "equipment")
    page.fill("#add-bottleneck input[name=technology]", "12英寸刻蚀机腔体")
    page.click("#add-bottleneck button")
    expect(page.locator("#bottleneck-list")).to_contain_text("12英寸刻蚀机腔体")
    # An empty technology is refused with the reason, and nothing is added.
    rows = page.locator("#bottleneck-list tbody tr").count()
    page.fill("#add-bottleneck input[name=technology]", "")
    page.click("#add-bottleneck button")
    expect(page.locator("#problem")).to_contain_text("瓶颈技术不能为空")
    expect(page.locator("#bottleneck-list tbody tr")).to_have_count(rows)

    page.goto("/organisations?q=威努特")
    page.locator("#organisations tbody a").first.click()
    expect(page.locator("#placement-list")).to_contain_text("工控安全")
    row = page.locator("#placement-list tr[data-segment='security_hardware']")
    row.locator("button[data-decision='remove']").click()
    expect(page.locator("#placement-list tr[data-segment='security_hardware']")).to_contain_text(
        "已移除"
    )


def test_edit_a_chain_into_a_new_version_and_compare(page):
    login(page, "admin")
    page.goto("/chains/robots/edit")
    text = page.locator("#definition").input_value()
    page.fill("#definition", text + "\n  oops: [")
    page.click("#save-chain")
    expect(page.locator("#problems")).to_contain_text("YAML")
    page.fill("#definition", text.replace("精密减速器", "精密减速器与轴承", 1))
    page.fill("#chain-edit input[name=note]", "加入轴承")
    page.click("#save-chain")
    expect(page.locator("#versions tbody tr")).to_have_count(2)
    expect(page.locator("#changes")).to_contain_text("精密减速器与轴承")
    expect(page.locator("#versions")).to_contain_text("加入轴承")


def test_chain_pages_in_english(page):
    page.goto("/chains/nev?region=120000&lang=en")
    expect(page.locator("#chain-name")).to_have_text(
        "New-energy and intelligent connected vehicles"
    )
    expect(page.locator("#diagnosis thead")).to_contain_text("Segment")
    page.goto("/chains/nev/lists?region=120000&lang=en")
    expect(page.locator("#gaps")).to_have_text("Gap segments to attract")


# The drawing's layout as chain.js made it: each segment box, and each edge's two ends.
GRAPH = """
(id) => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const s = chart.getOption().series[0];
  const at = {};
  for (const n of s.data) at[n.id] = n;
  return {
    symbol: s.edgeSymbol,
    stages: s.data.filter(n => n.id.startsWith('stage:')).map(n => n.name),
    links: s.links.map(l => ({source: at[l.source], target: at[l.target],
                              from: l.source.split(':')[0], to: l.target.split(':')[0]})),
    boxes: Object.fromEntries(s.data.filter(n => n.url).map(n => [n.id, n])),
  };
}
"""


def test_the_graph_heads_its_stages_and_arrows_run_supplier_to_customer(page):
    for lang, stages in (
        ("zh", ["上游", "中游", "下游"]),
        ("en", ["Upstream", "Midstream", "Downstream"]),
    ):
        page.goto(f"/chains/biomedicine?region=120000&lang={lang}")
        expect(page.locator("#graph-0[data-ready='1'] svg")).to_be_visible()
        for word in stages:
            expect(page.locator("#graph-0 svg text", has_text=word)).to_have_count(1)
        expect(page.locator("#supply-legend")).to_be_visible()
        g = page.evaluate(GRAPH, "graph-0")
        assert g["stages"] == stages and g["symbol"] == ["none", "arrow"]
        assert len(g["links"]) >= 10
        for link in g["links"]:
            a, b = g["boxes"][link["from"]], g["boxes"][link["to"]]
            # an edge leaves its supplier's box at a side and ends, arrow head, at a side
            # of its customer's box (not at the box's centre, under it)
            for end, box in ((link["source"], a), (link["target"], b)):
                assert end["y"] == box["y"]
                assert abs(abs(end["x"] - box["x"]) - box["symbolSize"][0] / 2) < 0.5
            if a["x"] < b["x"]:  # a column to the right: out of the right, into the left
                assert link["source"]["x"] > a["x"] and link["target"]["x"] < b["x"]


def test_two_cities_graphs_stand_side_by_side(page):
    for width in (1280, 1440):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/chains/biomedicine?region=120000&compare=110000")
        expect(page.locator("#graph-1[data-ready='1'] svg")).to_be_visible()
        left = page.locator("#graph-0").bounding_box()
        right = page.locator("#graph-1").bounding_box()
        assert abs(left["y"] - right["y"]) < 2 and right["x"] >= left["x"] + left["width"]
        page.click("#cities-link")
        expect(page.locator("#cities-title")).to_contain_text("天津市与北京市对照")
        expect(page.locator("#cities tbody tr[data-segment]")).to_have_count(16)
