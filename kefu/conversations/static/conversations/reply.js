// 快捷回复: "/key" then a space in the reply box, or a key chosen in the search box, inserts
// the reply template's text (filled for this ticket and agent by the server).
(function () {
  "use strict";
  function templates() {
    var data = document.getElementById("reply-template-data");
    if (!data) return {};
    try {
      var list = JSON.parse(data.textContent);
      var byKey = {};
      list.forEach(function (t) { byKey[t.key.toLowerCase()] = t; });
      return byKey;
    } catch (e) {
      return {};
    }
  }
  function insert(box, text, start, end) {
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    var at = start + text.length;
    box.setSelectionRange(at, at);
    box.focus();
    box.dispatchEvent(new Event("input", { bubbles: true }));  // the forbidden-phrase check
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-testid=reply-text]") && event.inputType === "insertText" && event.data === " ") {
      var upto = el.value.slice(0, el.selectionStart);
      var found = /(^|\s)\/([A-Za-z0-9_-]{1,20}) $/.exec(upto);
      if (!found) return;
      var t = templates()[found[2].toLowerCase()];
      if (!t) return;
      insert(el, t.text, upto.length - found[2].length - 2, el.selectionStart);
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!(el.matches && el.matches("[data-reply-templates]"))) return;
    var key = el.value.replace(/^\//, "").trim().toLowerCase();
    var t = templates()[key];
    var box = el.form && el.form.querySelector("[data-testid=reply-text]");
    if (!t || !box) return;
    insert(box, t.text, box.selectionStart, box.selectionEnd);
    el.value = "";
  });
})();
// A customer's new message on the ticket open here: say so above the thread (a reload would
// lose a reply being written).
document.body.addEventListener("kefu:ticket-changed", function (event) {
  var data = event.detail || {};
  var thread = document.querySelector("[data-testid=conversation]");
  if (data.type !== "ticket.message" || !thread || thread.dataset.serial !== data.serial) return;
  var note = thread.querySelector("[data-testid=new-message]");
  if (note) { note.hidden = false; }
});
