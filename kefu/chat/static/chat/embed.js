// The visitor's chat (in the widget's iframe, no account): start a chat, or leave a message
// (留言) when nobody can take it; the lines go over the websocket /ws/chat/<token>.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) return;
  var T = JSON.parse(document.getElementById("chat-strings").textContent);
  var KEY = "kefu-chat-token";
  var ws = null, token = null, retry = 1000, over = false, pending = [];

  function panel(name) {
    root.querySelectorAll("[data-panel]").forEach(function (p) { p.hidden = p.dataset.panel !== name; });
  }
  function showError(scope, text) {
    var el = scope.querySelector("[data-error]");
    el.textContent = text || ""; el.hidden = !text;
  }
  function post(url, form) {
    var body = new URLSearchParams(new FormData(form));
    body.set("page", root.dataset.page || document.referrer || "");
    if (root.dataset.branch) body.set("branch", root.dataset.branch); // the widget's data-branch
    return fetch(url, { method: "POST", body: body, credentials: "omit" }).then(function (r) {
      return r.json().then(function (data) { data.ok = r.ok; return data; });
    });
  }
  var chat = root.querySelector("[data-panel=chat]");
  var list = chat.querySelector("[data-lines]");
  var status = chat.querySelector("[data-status]");
  var input = chat.querySelector("textarea");
  var seen = {};

  function addLine(line) {
    if (seen[line.id]) return;
    seen[line.id] = true;
    var li = document.createElement("li");
    li.className = "line " + line.side;
    var who = line.side === "visitor" ? T.me : line.side === "agent" ? T.agent + (line.agent_no ? " " + line.agent_no : "") : "";
    if (who) { var b = document.createElement("b"); b.textContent = who + " " + line.at; li.appendChild(b); }
    var p = document.createElement("span"); p.textContent = line.text; li.appendChild(p);
    li.dataset.testid = "line-" + line.side;
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }
  function setState(s) {
    if (s.state === "waiting") status.textContent = T.connecting;
    else if (s.state === "active") status.textContent = T.serving.replace("%s", s.agent_no || "");
    else {
      status.textContent = T.ended; over = true;
      sessionStorage.removeItem(KEY);
      chat.querySelector("[data-form=line]").hidden = true;
      chat.querySelector("[data-end]").hidden = true;
    }
    status.dataset.state = s.state;
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws/chat/" + encodeURIComponent(token));
    ws.onopen = function () {
      retry = 1000; showError(chat, "");
      // Lines typed while the socket was (re)connecting go now, in order.
      pending.splice(0).forEach(function (text) { ws.send(JSON.stringify({ type: "line", text: text })); });
    };
    ws.onclose = function (e) {
      if (e.code === 4404) { sessionStorage.removeItem(KEY); if (!over) setState({ state: "ended" }); return; }
      if (over) return;
      showError(chat, T.reconnecting);
      setTimeout(connect, retry); retry = Math.min(retry * 2, 15000);
    };
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "chat.history") { m.lines.forEach(addLine); setState(m.state); }
      else if (m.type === "chat.line") addLine(m);
      else if (m.type === "chat.state") setState(m);
      else if (m.type === "error") showError(chat, m.detail);
    };
  }
  function open(t) { token = t; sessionStorage.setItem(KEY, t); panel("chat"); connect(); }

  root.querySelector("[data-form=start]").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    post(root.dataset.start, form).then(function (data) {
      if (data.ok) return open(data.token);
      if (data.field === "leave_message") {
        root.querySelector("[data-reason]").textContent = data.detail;
        return panel("note");
      }
      showError(form.parentNode, data.detail);
    });
  });
  chat.querySelector("[data-form=line]").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || over) return;
    showError(chat, "");
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "line", text: text }));
    else pending.push(text);
    input.value = "";
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); chat.querySelector("[data-form=line] button").click(); }
  });
  chat.querySelector("[data-end]").addEventListener("click", function () {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify({ type: "end" }));
  });
  root.querySelector("[data-form=note]").addEventListener("submit", function (e) {
    e.preventDefault();
    var form = e.target;
    post(root.dataset.message, form).then(function (data) {
      if (!data.ok) return showError(form.parentNode, data.detail);
      root.querySelector("[data-serial]").textContent = data.serial;
      panel("done");
    });
  });
  var kept = sessionStorage.getItem(KEY);
  if (kept) open(kept);
})();
