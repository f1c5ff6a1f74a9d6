// The new work order form shows only the fields of its kind: 件数, 重量, 体积, 收货人… only
// for 上门取件 and 送货. A hidden field is disabled, so nothing hidden is sent.
(function () {
  function sync() {
    var form = document.getElementById("order-form");
    if (!form || !form.kind) return;
    var grid = form.querySelector("[data-freight-kinds]");
    var freight = (grid.dataset.freightKinds || "").split(" ").indexOf(form.kind.value) >= 0;
    form.querySelectorAll("[data-freight]").forEach(function (box) {
      box.hidden = !freight;
      box.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !freight;
      });
    });
  }
  document.addEventListener("change", function (e) { if (e.target.name === "kind") sync(); });
  sync();
})();
