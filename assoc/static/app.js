// The page behaviour that used to sit in onclick=/onsubmit=/onchange= attributes, moved here so
// that the Content-Security-Policy can forbid inline script.
//   <form data-confirm="Question?">   asks before submitting
//   <input data-autosubmit>           submits its form when changed
//   <a data-action="back">            goes back one page
//   <table class="table-stack">       each cell without a data-label gets its column's heading,
//                                     shown beside the value when the rows stack as cards
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm !== undefined) {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    }
  });
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.form && field.hasAttribute && field.hasAttribute("data-autosubmit")) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('[data-action="back"]') : null;
    if (link) {
      event.preventDefault();
      window.history.back();
    }
  });
  function labelStackedCells(table) {
    var head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) {
      return;
    }
    var labels = [];
    Array.prototype.forEach.call(head.cells, function (th) {
      for (var i = 0; i < (th.colSpan || 1); i++) {
        labels.push(th.textContent.trim());
      }
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody > tr, tfoot > tr"), function (tr) {
      var column = 0;
      Array.prototype.forEach.call(tr.cells, function (cell) {
        var span = cell.colSpan || 1;
        if (span === 1 && labels[column] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", labels[column]);
        }
        column += span;
      });
    });
  }
  document.querySelectorAll("table.table-stack").forEach(labelStackedCells);

  // A wide table that scrolls sideways says so above it (a phone hides the scroll bar).
  function scrollCues() {
    var text = document.body.dataset.scrollCue;
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var wide = box.scrollWidth > box.clientWidth + 1;
      var cue = box.previousElementSibling;
      var has = cue && cue.classList.contains("scroll-cue");
      box.classList.toggle("scroll-cued", wide);
      if (wide && !has && text) {
        cue = document.createElement("p");
        cue.className = "scroll-cue small mb-1";
        cue.setAttribute("data-testid", "scroll-cue");
        cue.textContent = text + " →";
        box.parentNode.insertBefore(cue, box);
      } else if (!wide && has) {
        cue.remove();
      }
    });
  }
  scrollCues();
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(scrollCues, 150);
  });

  // The menu's to-do badge: its count is fetched after the page (no cost to the page itself).
  document.querySelectorAll("[data-inbox-count]").forEach(function (badge) {
    if (!window.fetch) {
      return;
    }
    window.fetch(badge.dataset.inboxCount, {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && typeof data.count === "number") {
          badge.textContent = data.count ? String(data.count) : "";
          badge.classList.toggle("d-none", !data.count);
        }
      })
      .catch(function () {});
  });
})();
