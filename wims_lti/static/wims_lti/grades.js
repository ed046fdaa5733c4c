// Grades page: while a sync runs, poll the JSON status and move the progress bar; reload when done.
(function () {
  "use strict";
  var box = document.getElementById("sync-progress");
  if (!box || box.getAttribute("data-running") !== "1") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector("progress");
  var label = box.querySelector(".percent");
  function poll() {
    fetch(url, { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (s) {
        if (bar) { bar.value = s.percent; bar.textContent = s.percent + " %"; }
        if (label) { label.textContent = s.percent + " %"; }
        if (s.running && s.stalled) {
          var stalled = document.createElement("p");
          stalled.textContent = box.getAttribute("data-stalled-text");
          box.appendChild(stalled);
          return;
        }
        if (s.running) { window.setTimeout(poll, 1500); return; }
        var done = document.createElement("p");
        done.textContent = box.getAttribute("data-done-text");
        box.appendChild(done);
        window.location.reload();
      })
      .catch(function () {
        var err = document.createElement("p");
        err.textContent = box.getAttribute("data-error-text");
        box.appendChild(err);
      });
  }
  window.setTimeout(poll, 1000);
})();
