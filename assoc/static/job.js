// A job's progress page: follow the job without reloading; reload once it ends (to show the
// summary and the download). Texts and the address come from the card's data- attributes
// (no inline script: the Content-Security-Policy forbids it).
(function () {
  "use strict";
  var card = document.querySelector('[data-testid="job-card"][data-state-url]');
  if (!card) { return; }
  var bar = card.querySelector('[data-testid="job-bar"]');
  var count = card.querySelector('[data-testid="job-count"]');
  var status = card.querySelector('[data-testid="job-status"]');
  var phases = JSON.parse(card.dataset.phases || "{}");
  var of = card.dataset.of || "", left = card.dataset.left || "";
  var fmt = function (n) { return n.toLocaleString("vi-VN"); };
  function tick() {
    fetch(card.dataset.stateUrl, {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.finished) { window.location.reload(); return; }
        bar.style.width = s.percent + "%"; bar.textContent = s.percent + "%";
        bar.parentNode.setAttribute("aria-valuenow", s.percent);
        if (s.status === "running") { status.textContent = phases[s.phase] || phases[""]; }
        var text = s.total ? of.replace("{done}", fmt(s.done)).replace("{total}", fmt(s.total)) : "";
        if (s.seconds_left !== null && s.seconds_left !== undefined) { text += " · " + left.replace("{s}", s.seconds_left); }
        count.textContent = text;
        card.dataset.status = s.status;
        setTimeout(tick, 700);
      })
      .catch(function () { setTimeout(tick, 2000); });
  }
  setTimeout(tick, 500);
})();
