// Draws every Plotly figure on the page: an element with data-chart="<id>" gets the figure JSON
// from the <script type="application/json" id="<id>"> next to it. plotly.js is served by salesmind.
(function () {
  "use strict";
  var config = { displaylogo: false, displayModeBar: false, responsive: true };
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data || [], figure.layout || {}, config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
