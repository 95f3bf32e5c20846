// Counting sheet: the running total under the table, updated as the pieces are typed.
// Each count box carries data-face (the note's or coin's value in đồng).
(function () {
  "use strict";
  var out = document.getElementById("running-total");
  if (!out) { return; }
  var boxes = document.querySelectorAll("input[data-face]");
  function money(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " đ";
  }
  function update() {
    var total = 0;
    boxes.forEach(function (box) {
      var pieces = parseInt(String(box.value).replace(/[^\d]/g, ""), 10);
      if (pieces > 0) { total += pieces * parseInt(box.dataset.face, 10); }
    });
    out.textContent = money(total);
  }
  boxes.forEach(function (box) { box.addEventListener("input", update); });
  update();
})();
