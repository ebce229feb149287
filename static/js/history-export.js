// The progress page of a history file built in the background: polls the job's
// JSON status, moves the <progress> bar, and reloads the page when the file is
// ready or has failed (the page then shows the link or the error). Without
// script the page refreshes itself (<noscript><meta refresh>).
(function () {
  "use strict";
  var box = document.getElementById("history-job");
  if (!box || box.dataset.finished === "true") {
    return;
  }
  var bar = document.getElementById("history-job-progress");
  var text = document.getElementById("history-job-count");
  var state = document.getElementById("history-job-state");

  function poll() {
    fetch(box.dataset.statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (status) {
          bar.max = Math.max(status.total, 1);
          bar.value = status.done;
          text.textContent = status.progress_text;
          state.textContent = status.state_label;
          if (status.finished) {
            window.location.reload();
            return;
          }
        }
        window.setTimeout(poll, 1500);
      })
      .catch(function () {
        window.setTimeout(poll, 3000); // a network blip: keep trying, more slowly
      });
  }
  window.setTimeout(poll, 1000);
})();
