// Draws every Plotly figure on the page: an element with data-chart="<id>" gets the figure JSON
// from the <script type="application/json" id="<id>"> next to it. plotly.js is served by salesmind.
// Each chart gets PNG and CSV buttons: the PNG is plotly.js's own rendering, the CSV the figure's data
// (one row per point, or per link of a Sankey), named after data-export or the chart's id.
(function () {
  "use strict";
  var config = { displaylogo: false, displayModeBar: false, responsive: true };

  function values(list, i) {
    return list && i < list.length ? list[i] : "";
  }

  // The rows of one trace: x/y points (bars, lines, funnels), labels/values (pies), z cells (heatmaps)
  // or source/target/value links (Sankey).
  function traceRows(trace) {
    var rows = [];
    var name = trace.name || trace.type || "";
    var i, j;
    if (trace.type === "sankey") {
      var labels = (trace.node && trace.node.label) || [];
      var link = trace.link || {};
      for (i = 0; i < (link.value || []).length; i++) {
        rows.push({ source: values(labels, link.source[i]), target: values(labels, link.target[i]), value: link.value[i] });
      }
      return rows;
    }
    if (trace.type === "heatmap" && trace.z) {
      for (i = 0; i < trace.z.length; i++) {
        for (j = 0; j < trace.z[i].length; j++) {
          rows.push({ series: name, y: values(trace.y, i), x: values(trace.x, j), value: trace.z[i][j] });
        }
      }
      return rows;
    }
    if (trace.labels && trace.values) {
      for (i = 0; i < trace.labels.length; i++) { rows.push({ series: name, label: trace.labels[i], value: trace.values[i] }); }
      return rows;
    }
    var n = Math.max((trace.x || []).length, (trace.y || []).length);
    for (i = 0; i < n; i++) {
      var row = { series: name, x: values(trace.x, i), y: values(trace.y, i) };
      if (trace.error_y && trace.error_y.array) {
        row.error_plus = values(trace.error_y.array, i);
        row.error_minus = values(trace.error_y.arrayminus || trace.error_y.array, i);
      }
      rows.push(row);
    }
    return rows;
  }

  function exportBar(el, figure) {
    var name = el.getAttribute("data-export") || el.id || "chart";
    var ex = window.salesmindExport;
    ex.bar(el, [
      ex.button("PNG", "data-export-png", name, "Download this chart as a PNG image", function () {
        Plotly.downloadImage(el, { format: "png", filename: name, width: el.clientWidth || 900, height: el.clientHeight || 400, scale: 2 });
      }),
      ex.button("CSV", "data-export-csv", name, "Download this chart's data as CSV", function () {
        var rows = [];
        (figure.data || []).forEach(function (t) { rows = rows.concat(traceRows(t)); });
        ex.download(ex.rowsCsv(rows), name + ".csv");
      })
    ]);
  }

  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data || [], figure.layout || {}, config);
      if (window.salesmindExport && !el.hasAttribute("data-no-export")) { exportBar(el, figure); }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
