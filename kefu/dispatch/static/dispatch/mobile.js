/* The field staff's phone pages: forms that post once (the signature pad: kefu/signature.js). */
(function () {
  "use strict";

  // A second tap on a slow connection must not post the step again (it would be refused).
  var forms = document.querySelectorAll("form[method=post]");
  window.addEventListener("pageshow", function () {
    // Back to this page from the history: its forms may be posted again.
    forms.forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll(".m-busy").forEach(function (b) { b.classList.remove("m-busy"); });
    });
  });
  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
      form.querySelectorAll("button:not([type=button])").forEach(function (button) {
        button.classList.add("m-busy");
      });
    });
  });
})();
