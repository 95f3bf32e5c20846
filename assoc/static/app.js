// The page behaviour that used to sit in onclick=/onsubmit=/onchange= attributes, moved here so
// that the Content-Security-Policy can forbid inline script.
//   <form data-confirm="Question?">   asks before submitting
//   <input data-autosubmit>           submits its form when changed
//   <a data-action="back">            goes back one page
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
})();
