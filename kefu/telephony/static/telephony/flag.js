// A flagged caller (黑名单·标记): the screen pop (kefu/live.js) shows a warning with the reason
// and the center's abuse script (标准话术), fetched from the page named by data-script-url.
(function () {
  var me = document.currentScript;
  var scriptUrl = me ? me.dataset.scriptUrl : "";
  document.body.addEventListener("kefu:live", function (e) {
    var data = e.detail || {};
    if (data.type !== "call.ringing" && data.type !== "call.answered") return;
    var pop = document.getElementById("call-pop");
    if (!pop) return;
    var box = pop.querySelector("[data-flag]");
    if (!box) {
      box = document.createElement("div");
      box.className = "error";
      box.setAttribute("data-flag", "");
      box.setAttribute("data-testid", "call-flag");
      pop.insertBefore(box, pop.querySelector("[data-customer]"));
    }
    if (!data.flag) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    box.textContent = "";
    var head = document.createElement("strong");
    head.textContent = (data.flag.kind_label || "") + ":" + (data.flag.reason || "");
    box.appendChild(head);
    var text = document.createElement("div");
    text.textContent = data.flag.warning || "";
    box.appendChild(text);
    if (scriptUrl) {
      fetch(scriptUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (html) { text.innerHTML = html; } });
    }
  });
})();
