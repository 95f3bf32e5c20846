// The page behaviour that used to sit in onclick=/onsubmit=/onchange= attributes, moved here so
// that the Content-Security-Policy can forbid inline script.
//   <form data-confirm="Question?">   asks before submitting
//   <input data-autosubmit>           submits its form when changed
//   <a data-action="back">            goes back one page
//   <table data-head-labels>          labels each cell with its column's heading (data-label),
//                                     for the stacked cards of narrow screens; long lists send
//                                     each heading once instead of once per row
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
  function labelCells() {
    document.querySelectorAll("table[data-head-labels]").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) {
          if (heads[i] && cell.colSpan === 1 && !cell.hasAttribute("data-label")) {
            cell.setAttribute("data-label", heads[i]);
          }
        });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", labelCells);
  } else {
    labelCells();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest('[data-action="back"]') : null;
    if (link) {
      event.preventDefault();
      window.history.back();
    }
  });
})();
