// The admin's template editor (kefu.core.widgets.TemplateEditor): click a placeholder to insert
// it at the cursor; as one types, the app's preview endpoint fills the template with its own
// filler and answers the preview, the character count and the errors (no filling here).
(function () {
  function setup(area) {
    var box = area.closest(".kefu-template-editor");
    if (!box || box.dataset.ready) return;
    box.dataset.ready = "1";
    var url = area.dataset.previewUrl;
    var fields = (area.dataset.contextFields || "").split(",").filter(Boolean);
    var part = function (role) { return box.querySelector('[data-role="' + role + '"]'); };
    var timer = null, asked = 0;

    function insert(token) {
      var start = area.selectionStart, end = area.selectionEnd, text = "{" + token + "}";
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.focus();
      area.selectionStart = area.selectionEnd = start + text.length;
      refresh();
    }
    part("placeholders").addEventListener("click", function (event) {
      var button = event.target.closest("[data-token]");
      if (!button) return;
      event.preventDefault();
      insert(button.dataset.token);
    });

    function params() {
      var query = new URLSearchParams();
      query.set("text", area.value);
      fields.forEach(function (id) {
        var field = document.getElementById(id);
        if (field) query.set(field.name, field.value);
      });
      return query.toString();
    }
    function placeholders(list) {
      var holder = part("placeholders");
      holder.textContent = "";
      list.forEach(function (item) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "kefu-te-token";
        button.dataset.token = item[0];
        button.appendChild(document.createTextNode(item[1] + " "));
        var code = document.createElement("code");
        code.textContent = "{" + item[0] + "}";
        button.appendChild(code);
        holder.appendChild(button);
      });
    }
    function show(data) {
      var errors = part("errors");
      errors.textContent = (data.errors || []).join(" ");
      errors.hidden = !(data.errors && data.errors.length);
      part("preview").textContent = data.preview || "";
      part("source").textContent = data.source || "";
      var count = part("count");
      count.textContent = data.count_text || "";
      count.classList.toggle("over", !!data.over);
      part("notes").textContent = (data.notes || []).join(" ");
      if (data.placeholders) placeholders(data.placeholders);
    }
    function load() {
      var mine = ++asked;
      fetch(url + "?" + params(), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) { if (mine === asked) show(data); })
        .catch(function () {});
    }
    function refresh() {
      clearTimeout(timer);
      timer = setTimeout(load, 200);
    }
    area.addEventListener("input", refresh);
    fields.forEach(function (id) {
      var field = document.getElementById(id);
      if (field) field.addEventListener("change", refresh);
    });
    load();
  }
  function start() {
    document.querySelectorAll("textarea[data-template-editor]").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
