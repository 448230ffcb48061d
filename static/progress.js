// Polls the check's status and shows the report as soon as it is ready.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var label = document.getElementById("progress-label");
  var url = box.getAttribute("data-status-url");
  var delay = 1000;
  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        label.textContent = s.label;
        if (s.done) { window.location.replace(s.report_url); return; }
        delay = Math.min(delay * 1.5, 5000);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
