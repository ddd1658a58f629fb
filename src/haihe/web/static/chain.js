// Draws each chain graph (upstream → downstream, coloured by the diagnosis) from the JSON
// the page carries; clicking a segment opens its organisations and evidence.
(function () {
  var node = document.getElementById("chain-data");
  if (!node || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  data.views.forEach(function (view, i) {
    var el = document.getElementById("graph-" + i);
    if (!el) return;
    var rows = 0;
    view.nodes.forEach(function (n) { rows = Math.max(rows, n.y / 70 + 1); });
    el.style.height = Math.max(320, rows * 64 + 60) + "px";
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: {
        formatter: function (p) {
          if (p.dataType !== "node") return "";
          var d = p.data;
          return d.name + "<br>" + view.labels[d.status] + " · " + d.count +
            (d.breakpoint ? " · ⚠" : "");
        }
      },
      series: [{
        type: "graph", layout: "none", roam: true, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 8,
        label: { show: true, position: "inside", fontSize: 11, color: "#fff",
                 formatter: function (p) { return p.data.name + "\n" + p.data.count; } },
        lineStyle: { color: "#90a4ae", width: 1.5, curveness: 0.15, opacity: 0.9 },
        data: view.nodes.map(function (n) {
          return { id: n.id, name: n.name, x: n.x, y: n.y, count: n.count, status: n.status,
                   breakpoint: n.breakpoint, url: n.url, symbol: "roundRect",
                   symbolSize: n.child ? [118, 40] : [140, 46],
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
