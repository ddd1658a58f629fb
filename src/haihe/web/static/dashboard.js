// Draws the dashboard charts from the JSON the page carries (no inline script, so a
// strict Content-Security-Policy can forbid it).
(function () {
  var node = document.getElementById("dashboard-data");
  if (!node || !window.echarts) return;
  var data = JSON.parse(node.textContent);
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }
  chart("chart-funnel", {
    tooltip: { trigger: "item" },
    series: [{ type: "funnel", sort: "none", left: "10%", width: "80%", label: { formatter: "{b}: {c}" },
               data: data.funnel }]
  });
  chart("chart-months", {
    tooltip: { trigger: "axis" }, legend: {},
    xAxis: { type: "category", data: data.months.labels },
    yAxis: [{ type: "value" }, { type: "value" }],
    series: [{ name: data.labels.signed, type: "bar", data: data.months.signed },
             { name: data.labels.intended, type: "line", yAxisIndex: 1, data: data.months.intended }]
  });
  function pair(id, d) {
    chart(id, {
      tooltip: { trigger: "axis" }, legend: {}, grid: { left: 120 },
      yAxis: { type: "category", data: d.labels }, xAxis: { type: "value" },
      series: [{ name: data.labels.intended, type: "bar", data: d.intended },
               { name: data.labels.in_place, type: "bar", data: d.in_place }]
    });
  }
  pair("chart-chains", data.chains);
  pair("chart-pairs", data.pairs);
})();
