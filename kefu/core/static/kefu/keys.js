// The workbench from the keyboard, for calls back to back (`?` lists the keys):
//   Alt+N new call · Alt+K caller lookup · Alt+R read-back · Alt+S or Ctrl+Enter save (read-back
//   first, then 客户确认,保存) · Enter next field · Esc close this list.
// Keys are read by position (event.code), so they work with a Chinese input method on.
(function () {
  function $(id) { return document.getElementById(id); }
  function testid(name) { return document.querySelector('[data-testid="' + name + '"]'); }
  var PANELS = ["profile", "triage-panel", "kb-panel"];
  var blank = {};
  PANELS.forEach(function (id) { if ($(id)) blank[id] = $(id).innerHTML; });

  function toLookup() {
    var phone = $("phone-lookup");
    if (phone) { phone.focus(); phone.select(); }
  }
  // After saving, the server sends an empty form; the caller's panels go back to blank.
  function clearCaller() {
    PANELS.forEach(function (id) { if ($(id)) $(id).innerHTML = blank[id]; });
    if ($("phone-lookup")) $("phone-lookup").value = "";
    if ($("call-pop")) $("call-pop").hidden = true;
    document.body.dispatchEvent(new Event("customer"));  // the scripts: no title
    toLookup();
  }
  document.body.addEventListener("kefu:saved", clearCaller);

  function started() {
    var f = $("intake-form");
    return (f && f.content && f.content.value) || testid("readback");
  }
  function newCall() {
    var ask = document.querySelector("[data-drop-intake]");
    if (started() && ask && !window.confirm(ask.dataset.dropIntake)) return;
    window.location.assign("/");
  }
  function readBack() {
    var button = testid("readback-button");
    if (button) button.click();
  }
  function save() {
    var confirm = testid("confirm-intake");
    if (confirm) confirm.click(); else readBack();
  }
  function help(show) {
    var box = $("keys-help");
    if (box) box.hidden = show === undefined ? !box.hidden : !show;
  }
  // Enter in a one-line field goes to the next field the agent can see, not to the read-back.
  function nextField(el) {
    if (el.id === "phone-lookup") {
      var f = $("intake-form");
      if (f && f.content) f.content.focus();
      return;
    }
    var fields = Array.prototype.filter.call(el.form.elements, function (x) {
      return !x.disabled && x.type !== "hidden" && x.offsetParent !== null && x.tagName !== "BUTTON";
    });
    var next = fields[fields.indexOf(el) + 1];
    if (next) next.focus();
  }

  var ALT = { KeyN: newCall, KeyK: toLookup, KeyR: readBack, KeyS: save };
  document.addEventListener("keydown", function (e) {
    if (e.isComposing) return;  // the input method is choosing characters
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") { e.preventDefault(); save(); return; }
    if (e.altKey && !e.ctrlKey && !e.metaKey && ALT[e.code]) {
      e.preventDefault();
      ALT[e.code]();
      return;
    }
    if (e.key === "Escape") { help(false); return; }
    var el = e.target;
    var typing = el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
    if (e.key === "Enter" && !e.shiftKey && (el.tagName === "INPUT" || el.tagName === "SELECT") &&
        (el.id === "phone-lookup" || (el.form && el.form.id === "intake-form")) &&
        el.type !== "checkbox" && el.type !== "submit") {
      e.preventDefault();
      nextField(el);
      return;
    }
    // (a caller's number never holds a "?": the lookup field, where the cursor rests, asks too)
    if (e.key === "?" && (!typing || el.id === "phone-lookup")) { e.preventDefault(); help(); }
  });
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-keys-help]")) help();
    else if (e.target.id === "keys-help") help(false);
  });
  document.body.dataset.keys = "on";  // listening (the browser tests wait for it)
  // The read-back: the cursor on 客户确认,保存 (Enter saves); an error: on the first field named.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id !== "intake") return;
    var confirm = testid("confirm-intake");
    var wrong = e.target.querySelector(".errorlist");
    if (confirm) confirm.focus();
    else if (wrong && wrong.previousElementSibling) wrong.previousElementSibling.focus();
  });
})();
