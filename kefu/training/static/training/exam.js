// The exam page: a countdown to the server's deadline (the server refuses late answers
// whatever this shows), each answer saved as it is chosen, and the paper handed in at zero.
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) { return; }
  var timer = document.querySelector("[data-deadline]");
  var state = document.querySelector("[data-save-state]");
  var deadline = Date.parse(timer.getAttribute("data-deadline"));
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var sent = false;

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
    timer.textContent = Math.floor(left / 60) + ":" + pad(left % 60);
    timer.classList.toggle("low", left < 60);
    if (left === 0 && !sent) { sent = true; form.submit(); }
  }
  tick();
  setInterval(tick, 1000);

  form.addEventListener("submit", function () { sent = true; });
  form.addEventListener("change", function (event) {
    var box = event.target.closest("[data-position]");
    if (!box) { return; }
    var position = box.getAttribute("data-position");
    var body = new URLSearchParams();
    body.append("position", position);
    box.querySelectorAll("input:checked").forEach(function (input) {
      body.append("q" + position, input.value);
    });
    fetch(form.getAttribute("data-save-url"), {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token}
    }).then(function (response) {
      state.textContent = state.getAttribute(response.ok ? "data-saved-text" : "data-failed-text");
    }).catch(function () { state.textContent = state.getAttribute("data-failed-text"); });
  });
})();
