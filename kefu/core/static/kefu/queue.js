// The queue: due times count down each half minute (red once overdue); a box in the heading
// ticks the whole page for the batch step, and the batch bar says how many are ticked.
(function () {
  function words(table, minutes) {
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (d) return d + table.dataset.d + h + table.dataset.h;
    if (h) return h + table.dataset.h + m + table.dataset.m;
    return m + table.dataset.m;
  }
  function tick() {
    var table = document.querySelector("[data-testid=queue]");
    if (!table) return;
    table.querySelectorAll("[data-due]").forEach(function (el) {
      var minutes = Math.floor((new Date(el.dataset.due) - new Date()) / 60000);
      var over = minutes < 0;
      el.textContent = (over ? table.dataset.over : table.dataset.left).replace("%s", words(table, Math.abs(minutes)));
      el.classList.toggle("overdue", over);
      el.classList.toggle("soon", !over && minutes < 60);
    });
  }
  function counted() {
    var label = document.querySelector("[data-bulk-count]");
    if (!label) return;
    var n = document.querySelectorAll("input[name=serial][form=bulk]:checked").length;
    label.textContent = n ? label.dataset.some.replace("%s", n) : label.dataset.none;
  }
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-check-all]")) {
      document.querySelectorAll("input[name=serial][form=bulk]").forEach(function (box) {
        box.checked = e.target.checked;
      });
    }
    if (e.target.matches("[data-check-all], input[name=serial]")) counted();
  });
  // A destructive step asks first.
  document.addEventListener("submit", function (e) {
    if (e.target.id !== "bulk") return;
    var action = e.target.elements.action;
    var n = document.querySelectorAll("input[name=serial][form=bulk]:checked").length;
    var label = action.options[action.selectedIndex].text;
    if (action.value === "cancel" && !window.confirm(label + " × " + n + "?")) e.preventDefault();
  });
  document.body.addEventListener("htmx:afterSwap", function () { tick(); counted(); });
  tick();
  setInterval(tick, 30000);
})();
