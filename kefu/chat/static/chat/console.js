// The agents' chat console: waiting visitors (a badge and a beep for new ones), several
// chats in tabs, replies with 快捷回复 (/key), transfer, 建立工单 / 关联工单, end. Actions go
// over the websocket /ws/chat/agent; every push re-reads the console's state.
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) return;
  var T = JSON.parse(document.getElementById("chat-strings").textContent);
  var $ = function (sel) { return root.querySelector(sel); };
  var ws = null, retry = 1000, state = null, current = null, unread = {}, lastWaiting = null;
  var lastSent = "", drafts = {}, audio = null, timer = null, knownLines = {};

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + 0.18);
    } catch (e) { /* no audio: the badge still shows */ }
    root.dataset.beeps = String(Number(root.dataset.beeps || 0) + 1);
  }
  function send(msg) {
    if (!ws || ws.readyState !== 1) { showError(T.offline); return; }
    ws.send(JSON.stringify(msg));
  }
  function showError(text) { var el = $("[data-error]"); el.textContent = text || ""; el.hidden = !text; }
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }

  function lineEl(line) {
    var li = el("li", "line " + line.side);
    var who = line.side === "visitor" ? T.visitor : line.side === "agent" ? T.agent + " " + (line.agent_no || "") : "";
    if (who) li.appendChild(el("b", "", who + " " + line.at));
    li.appendChild(el("span", "", line.text));
    return li;
  }
  function render() {
    var waiting = state.waiting, mine = state.mine;
    var badge = $("[data-badge]");
    badge.textContent = waiting.length; badge.hidden = !waiting.length;
    document.title = (waiting.length ? "(" + waiting.length + ") " : "") + T.title;
    if (lastWaiting !== null && waiting.length > lastWaiting) beep();
    lastWaiting = waiting.length;
    var online = state.me.status === "online";
    var presence = $("[data-presence]");
    presence.textContent = online ? T.online : T.away;
    presence.dataset.status = state.me.status;
    var ul = $("[data-waiting]"); ul.textContent = "";
    waiting.forEach(function (s) {
      var li = el("li", s.overdue ? "overdue" : "");
      li.dataset.session = s.id;
      li.appendChild(el("strong", "", (s.name || T.visitor) + " "));
      li.appendChild(el("span", "muted", s.started + (s.branch ? " · " + s.branch : "") + (s.overdue ? " · " + T.overdue : "")));
      var last = s.lines.filter(function (l) { return l.side === "visitor"; }).pop();
      if (last) li.appendChild(el("div", "muted", last.text.slice(0, 60)));
      var b = el("button", "small", T.accept); b.type = "button"; b.dataset.accept = s.id;
      li.appendChild(b);
      ul.appendChild(li);
    });
    $("[data-none]").hidden = waiting.length > 0;
    var ids = mine.map(function (s) { return s.id; });
    if (current === null || ids.indexOf(current) < 0) current = ids.length ? ids[ids.length - 1] : null;
    var tabs = $("[data-tabs]"); tabs.textContent = "";
    mine.forEach(function (s) {
      var seen = knownLines[s.id] || 0, count = s.lines.length;
      if (count > seen && s.id !== current && seen) { unread[s.id] = true; }
      knownLines[s.id] = count;
      var b = el("button", (s.id === current ? "current " : "") + (unread[s.id] ? "unread" : ""), (s.name || T.visitor) + (s.serial ? " · " + s.serial : ""));
      b.type = "button"; b.dataset.tab = s.id;
      tabs.appendChild(b);
    });
    $("[data-empty]").hidden = mine.length > 0;
    $("[data-pane]").hidden = !mine.length;
    var sel = $("[data-colleague]"); sel.textContent = "";
    state.colleagues.forEach(function (c) { var o = el("option", "", c.employee_no + " " + c.name); o.value = c.id; sel.appendChild(o); });
    var s = mine.filter(function (x) { return x.id === current; })[0];
    if (!s) return;
    unread[s.id] = false;
    $("[data-info]").textContent = [s.name || T.visitor, s.phone, s.serial ? T.ticket + " " + s.serial : "", s.page, s.refused ? T.refused + " " + s.refused : ""].filter(Boolean).join(" · ");
    var ol = $("[data-lines]"); ol.textContent = "";
    s.lines.forEach(function (l) { ol.appendChild(lineEl(l)); });
    ol.scrollTop = ol.scrollHeight;
    if (!$("[data-phone]").value || $("[data-phone]").dataset.session !== String(s.id)) {
      $("[data-phone]").value = s.phone && s.phone.indexOf("*") < 0 ? s.phone : "";
      $("[data-name]").value = s.name || "";
      $("[data-phone]").dataset.session = String(s.id);
    }
    $("[data-ticket]").disabled = $("[data-join]").disabled = !!s.serial;
  }
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(root.dataset.state, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
        var before = state;
        state = data;
        if (before) data.mine.forEach(function (s) {
          var old = before.mine.filter(function (x) { return x.id === s.id; })[0];
          var lastLine = s.lines[s.lines.length - 1];
          if (old && s.lines.length > old.lines.length && lastLine && lastLine.side === "visitor" && (s.id !== current || document.hidden)) beep();
        });
        render();
      });
    }, 60);
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(scheme + location.host + "/ws/chat/agent");
    ws.onopen = function () { retry = 1000; $("[data-conn]").textContent = ""; send({ type: "heartbeat" }); refresh(); };
    ws.onclose = function () { $("[data-conn]").textContent = T.offline; setTimeout(connect, retry); retry = Math.min(retry * 2, 30000); };
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "error") {
        showError(m.detail);
        if (m.field === "text" && !input.value) input.value = lastSent; // refused: not lost
        return;
      }
      if (m.type === "chat.state" && m.session === current && m.state === "ended") current = null;
      refresh();
    };
  }
  setInterval(function () { send({ type: "heartbeat" }); }, 30000);

  root.addEventListener("click", function (e) {
    var t = e.target;
    if (t.dataset.accept) { showError(""); current = Number(t.dataset.accept); send({ type: "accept", session: current }); }
    else if (t.dataset.tab) { current = Number(t.dataset.tab); showError(""); render(); }
    else if (t.hasAttribute("data-presence")) send({ type: "presence", status: state && state.me.status === "online" ? "away" : "online" });
    else if (t.hasAttribute("data-transfer")) send({ type: "transfer", session: current, to: $("[data-colleague]").value });
    else if (t.hasAttribute("data-end")) { if (confirm(T.confirmEnd)) send({ type: "end", session: current }); }
    else if (t.hasAttribute("data-ticket")) send({ type: "ticket", session: current, phone: $("[data-phone]").value, name: $("[data-name]").value });
    else if (t.hasAttribute("data-join")) send({ type: "ticket", session: current, phone: $("[data-phone]").value, serial: $("[data-serial]").value });
    else if (t.dataset.templateText) insertTemplate(t.dataset.templateText);
  });

  var input = $("[data-form=line] textarea"), list = $("[data-template-list]");
  function insertTemplate(text) {
    input.value = input.value.replace(/(^|\s)\/[\w-]*$/, "$1") + text;
    list.hidden = true; input.focus();
  }
  input.addEventListener("input", function () {
    drafts[current] = input.value;
    var m = input.value.match(/(?:^|\s)\/([\w-]*)$/);
    if (!m || current === null) { list.hidden = true; return; }
    var url = root.dataset.templates + "?session=" + current + "&q=" + encodeURIComponent(m[1]);
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      list.textContent = "";
      (data.templates || []).forEach(function (tpl, i) {
        var li = el("li", i === 0 ? "current" : "", "/" + tpl.key + " " + tpl.title);
        li.dataset.templateText = tpl.text; li.title = tpl.text;
        list.appendChild(li);
      });
      list.hidden = !list.children.length;
    });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    if (!list.hidden && list.firstChild) { insertTemplate(list.firstChild.dataset.templateText); return; }
    $("[data-form=line] button").click();
  });
  $("[data-form=line]").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || current === null) return;
    showError("");
    lastSent = text;
    send({ type: "line", session: current, text: text });
    input.value = ""; drafts[current] = "";
  });
  connect();
})();
