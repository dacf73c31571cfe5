// A link to /calls/{id}#t=SECONDS (a coaching moment) scrolls the transcript to the utterance spoken
// at that second (the last one starting at or before it) and highlights it.
(function () {
  "use strict";
  function jump() {
    var match = /^#t=(\d+(?:\.\d+)?)$/.exec(window.location.hash);
    if (!match) { return; }
    var at = parseFloat(match[1]);
    var best = null;
    document.querySelectorAll("#transcript tr[data-start]").forEach(function (row) {
      row.classList.remove("moment");
      if (parseFloat(row.getAttribute("data-start")) <= at + 0.5) { best = row; }
    });
    if (best) {
      best.classList.add("moment");
      best.scrollIntoView({ block: "center" });
    }
  }
  window.addEventListener("hashchange", jump);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", jump);
  } else {
    jump();
  }
})();
