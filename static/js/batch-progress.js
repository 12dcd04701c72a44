/* Progress of a cohort's certificate work (issuing, re-issuing, a ZIP) while it runs in the
   background. Each unfinished row of the table names its progress URL in data-batch-progress;
   this asks it every 2 seconds, updates the bar and the numbers, and reloads the page once when
   the work is done (so the summary and the download link show). Without this script, the page
   has a Refresh link. Screen readers hear only that the work has finished, not every step. */
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-batch-progress]"));
  if (!rows.length || !window.fetch) { return; }
  var announce = document.querySelector("[data-batch-announce]");
  var EVERY = 2000;
  var reloading = false;

  function show(row, data) {
    var bar = row.querySelector("progress");
    bar.max = data.total || 1;
    bar.value = data.total ? data.done : (data.finished ? 1 : 0);
    row.querySelector("[data-batch-count]").textContent = data.progress_text;
    row.querySelector("[data-batch-failed]").textContent = data.failed_text;
    row.querySelector("[data-batch-status]").textContent = data.status_label;
  }

  function finish(row, data) {
    if (announce) {
      announce.textContent = row.querySelector("th").textContent.trim() + ": " + data.status_label;
    }
    if (!reloading) {
      reloading = true;
      // Leave the announcement a moment to be read before the page is replaced.
      window.setTimeout(function () { window.location.reload(); }, EVERY);
    }
  }

  function poll(row) {
    var url = row.getAttribute("data-batch-progress");
    function ask() {
      if (reloading) { return; }
      if (document.hidden) { window.setTimeout(ask, EVERY); return; } // no data spent unseen
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          // Gone, or signed out (the answer is then a sign-in page): stop asking; the Refresh
          // link still works.
          var type = response.headers.get("Content-Type") || "";
          return response.ok && type.indexOf("application/json") === 0 ? response.json() : null;
        })
        .then(function (data) {
          if (!data) { return; }
          show(row, data);
          if (data.finished) { finish(row, data); } else { window.setTimeout(ask, EVERY); }
        })
        .catch(function () { window.setTimeout(ask, EVERY * 5); }); // offline for a moment
    }
    window.setTimeout(ask, EVERY);
  }

  rows.forEach(poll);
})();
