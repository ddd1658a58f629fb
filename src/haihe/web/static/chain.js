// Draws each chain graph (upstream → downstream, coloured by the diagnosis) from the JSON
// the page carries; clicking a segment opens its organisations and evidence.
(function () {
  var node = document.getElementById("chain-data");
  if (!node || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  // The tooltip is HTML: every text from the data (segment names are users') is escaped.
  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  data.views.forEach(function (view, i) {
    var el = document.getElementById("graph-" + i);
    if (!el) return;
    var rows = 0;
    view.nodes.forEach(function (n) { rows = Math.max(rows, n.y / 58 + 1); });
    el.style.height = Math.max(320, rows * 58 + 60) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: {
        formatter: function (p) {
          if (p.dataType === "edge") return esc(p.data.source) + " → " + esc(p.data.target);
          if (p.dataType !== "node") return "";
          var d = p.data;
          return esc(d.name) + "<br>" + esc(view.labels[d.status]) + " · " + esc(d.count) +
            (d.breakpoint ? " · ⚠" : "");
        }
      },
      series: [{
        // Edges run centre to centre under the nodes: upstream → downstream reads left to
        // right (an arrow head would be placed by the unscaled symbol size and miss the node).
        type: "graph", layout: "none", roam: true, edgeSymbol: ["none", "none"],
        label: { show: true, position: "inside", fontSize: 12, color: "#fff", overflow: "truncate",
                 width: 160, lineHeight: 15,
                 formatter: function (p) { return p.data.name + "\n" + p.data.count; } },
        lineStyle: { color: "#78909c", width: 2, curveness: 0.08, opacity: 0.8 },
        data: view.nodes.map(function (n) {
          return { id: n.id, name: n.name, x: n.x, y: n.y, count: n.count, status: n.status,
                   breakpoint: n.breakpoint, url: n.url, symbol: "roundRect",
                   label: { color: n.status === "weak" ? "#212121" : "#fff" },
                   symbolSize: n.child ? [150, 40] : [170, 44],
                   itemStyle: { color: n.colour, borderColor: n.breakpoint ? "#212121" : "#fff",
                                borderWidth: n.breakpoint ? 3 : 1, borderType: n.breakpoint ? "dashed" : "solid" } };
        }),
        links: view.edges
      }]
    });
    chart.on("click", function (p) { if (p.dataType === "node" && p.data.url) window.location.href = p.data.url; });
    el.setAttribute("data-ready", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
