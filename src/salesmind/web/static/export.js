// CSV downloads, on every page: a CSV button for every <table data-export="file-name"> (the table as
// shown: header and body cells' text, or a cell's data-value), and window.salesmindExport, which
// charts.js uses for its charts' CSV.
(function () {
  "use strict";
  function csvCell(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function cell(value) {
    return csvCell(value.replace(/\s+/g, " ").trim());
  }
  function rowsCsv(rows) {
    var header = [];
    rows.forEach(function (r) { Object.keys(r).forEach(function (k) { if (header.indexOf(k) < 0) { header.push(k); } }); });
    var lines = [header.map(csvCell).join(",")];
    rows.forEach(function (r) { lines.push(header.map(function (k) { return csvCell(r[k]); }).join(",")); });
    return lines.join("\r\n") + "\r\n";
  }
  function tableCsv(table) {
    var lines = [];
    table.querySelectorAll("tr").forEach(function (tr) {
      var cells = tr.querySelectorAll("th, td");
      if (!cells.length) { return; }
      lines.push(Array.prototype.map.call(cells, function (c) {
        return cell(c.getAttribute("data-value") || c.textContent || "");
      }).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }
  function download(text, filename) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }
  // A small export button: <button data-{attr}="{name}">{label}</button> that calls onClick.
  function exportButton(label, attr, name, title, onClick) {
    var button = document.createElement("button");
    button.type = "button"; button.className = "export-button"; button.textContent = label;
    button.setAttribute(attr, name);
    button.title = title;
    button.addEventListener("click", onClick);
    return button;
  }
  // The bar of export buttons placed just before ``el``.
  function exportBar(el, buttons) {
    var bar = document.createElement("div");
    bar.className = "export-bar";
    buttons.forEach(function (b) { bar.appendChild(b); });
    el.parentNode.insertBefore(bar, el);
  }
  window.salesmindExport = { rowsCsv: rowsCsv, download: download, button: exportButton, bar: exportBar };
  function init() {
    document.querySelectorAll("table[data-export]").forEach(function (table) {
      if (table.previousElementSibling && table.previousElementSibling.classList.contains("export-bar")) { return; }
      var name = table.getAttribute("data-export") || "table";
      exportBar(table, [exportButton("CSV", "data-export-table", name, "Download this table as CSV",
                                     function () { download(tableCsv(table), name + ".csv"); })]);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
