// The deal page's discount what-if: the slider reads p(win) and the expected value at any discount
// from the curve the server computed (the nearest grid point; the grid steps by 0.5 point).
(function () {
  "use strict";
  var input = document.getElementById("discount-whatif");
  var data = document.getElementById("discount-curve");
  if (!input || !data) return;
  var curve = JSON.parse(data.textContent);
  function show() {
    var d = parseFloat(input.value), best = 0;
    for (var i = 1; i < curve.grid.length; i++) {
      if (Math.abs(curve.grid[i] - d) < Math.abs(curve.grid[best] - d)) best = i;
    }
    document.getElementById("discount-whatif-pct").textContent = curve.grid[best] + "%";
    document.getElementById("discount-whatif-p").textContent = (100 * curve.p[best]).toFixed(1) + "%";
    document.getElementById("discount-whatif-value").textContent = Math.round(curve.value[best]).toLocaleString("en-US");
  }
  input.addEventListener("input", show);
  show();
})();
