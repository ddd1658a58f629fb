// Draws each chain graph from the JSON the page carries: three columns headed upstream,
// midstream and downstream, segments coloured by the diagnosis, and an arrow on each
// supply edge (supplier segment → customer segment). Clicking a segment opens its
// organisations and evidence.
//
// Positions are worked out here in pixels of the drawing (its width known), and the
// drawing maps them one to one (two invisible corner points span it exactly): so an edge
// can start at the right side of its supplier's box and end, arrow head first, at the
// left side of its customer's box, instead of at their centres under the boxes.
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
  var HEAD = 40, ROW = 56, PAD = 6, BOX_H = 46, CHILD_H = 42, INDENT = 14;

  function layout(view, width) {
    var cols = view.stages.length;
    var colW = (width - 2 * PAD) / cols;
    var boxW = Math.max(96, Math.min(180, colW - 46));
    var rows = 0;
    var boxes = {};
    view.nodes.forEach(function (n) {
      rows = Math.max(rows, n.row + 1);
      var w = n.child ? boxW - INDENT : boxW;
      var left = PAD + colW * n.col + (colW - boxW) / 2 + (n.child ? INDENT : 0);
      boxes[n.id] = { x: left + w / 2, y: HEAD + n.row * ROW + ROW / 2, w: w,
                      h: n.child ? CHILD_H : BOX_H, col: n.col };
    });
    return { colW: colW, boxW: boxW, boxes: boxes, height: HEAD + Math.max(rows, 3) * ROW + 12 };
  }

  function option(view, width) {
    var L = layout(view, width);
    var small = L.boxW < 150;
    var hidden = { symbolSize: 0.01, itemStyle: { opacity: 0 }, label: { show: false },
                   tooltip: { show: false }, silent: true };
    function point(id, x, y) {
      var p = { id: id, name: "", x: x, y: y };
      for (var k in hidden) p[k] = hidden[k];
      return p;
    }
    var items = [point("corner:0", 0, 0), point("corner:1", width, L.height)];
    view.stages.forEach(function (label, i) {
      items.push({
        id: "stage:" + i, name: label, x: PAD + L.colW * i + L.colW / 2, y: HEAD / 2 - 2,
        symbol: "rect", symbolSize: [L.boxW, 24], silent: true, tooltip: { show: false },
        itemStyle: { color: "#eceff1", borderColor: "#cfd8dc", borderWidth: 1 },
        label: { show: true, position: "inside", color: "#37474f", fontSize: 13,
                 fontWeight: "bold", formatter: label }
      });
    });
    view.nodes.forEach(function (n) {
      var b = L.boxes[n.id];
      items.push({
        id: n.id, name: n.name, x: b.x, y: b.y, count: n.count, status: n.status,
        breakpoint: n.breakpoint, url: n.url, symbol: "roundRect", symbolSize: [b.w, b.h],
        label: { color: n.status === "weak" ? "#212121" : "#fff", width: b.w - 10 },
        itemStyle: { color: n.colour, borderColor: n.breakpoint ? "#212121" : "#fff",
                     borderWidth: n.breakpoint ? 3 : 1,
                     borderType: n.breakpoint ? "dashed" : "solid" }
      });
      // Where edges leave and reach the box: its left and right sides.
      items.push(point(n.id + ":left", b.x - b.w / 2, b.y));
      items.push(point(n.id + ":right", b.x + b.w / 2, b.y));
    });
    var names = {};
    view.nodes.forEach(function (n) { names[n.id] = n.name; });
    var links = view.edges.map(function (e) {
      var a = L.boxes[e.source], b = L.boxes[e.target];
      var link = { from: names[e.source], to: names[e.target] };
      if (a.col < b.col) {
        link.source = e.source + ":right"; link.target = e.target + ":left";
      } else if (a.col > b.col) {
        link.source = e.source + ":left"; link.target = e.target + ":right";
      } else {
        // In one column: out of the right side and back into it, bowing to the right.
        link.source = e.source + ":right"; link.target = e.target + ":right";
        link.lineStyle = { curveness: b.y > a.y ? 0.45 : -0.45 };
      }
      return link;
    });
    return {
      height: L.height,
      option: {
        animation: false,
        tooltip: {
          formatter: function (p) {
            if (p.dataType === "edge") return esc(p.data.from) + " → " + esc(p.data.to);
            if (p.dataType !== "node" || !p.data.url) return "";
            var d = p.data;
            return esc(d.name) + "<br>" + esc(view.labels[d.status]) + " · " + esc(d.count) +
              (d.breakpoint ? " · ⚠" : "");
          }
        },
        series: [{
          type: "graph", layout: "none", roam: false, left: 0, top: 0, width: width,
          height: L.height, edgeSymbol: ["none", "arrow"], edgeSymbolSize: [0, 9],
          // A long name takes two lines (a narrow drawing: two cities side by side); the
          // count stays on the line after it; the tooltip has the name in full.
          label: { show: true, position: "inside", fontSize: small ? 11 : 12, color: "#fff",
                   overflow: "break", lineHeight: small ? 13 : 14,
                   formatter: function (p) { return p.data.name + "\n" + p.data.count; } },
          lineStyle: { color: "#607d8b", width: 1.5, curveness: 0, opacity: 0.85 },
          emphasis: { focus: "adjacency", lineStyle: { width: 3 } },
          data: items,
          links: links
        }]
      }
    };
  }

  data.views.forEach(function (view, i) {
    var el = document.getElementById("graph-" + i);
    if (!el) return;
    var chart = null;
    function draw() {
      var width = el.clientWidth || 600;
      var made = option(view, width);
      el.style.height = made.height + "px";
      if (!chart) {
        chart = echarts.init(el, null, { renderer: "svg" });
        chart.on("click", function (p) {
          if (p.dataType === "node" && p.data.url) window.location.href = p.data.url;
        });
      } else {
        chart.resize();
      }
      chart.setOption(made.option, true);
    }
    draw();
    el.setAttribute("data-ready", "1");
    var last = el.clientWidth;
    window.addEventListener("resize", function () {
      if (el.clientWidth !== last) { last = el.clientWidth; draw(); }
    });
  });
})();
