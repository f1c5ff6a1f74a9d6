// The live channel: a new call pops the caller's profile; ticket changes refresh the queue;
// notifications update the bell's unread count; every push is also a `kefu:live` event on
// the body, and every push but the telephone floor's (whose panels reload themselves,
// telephony/floor.js) a `kefu:work-changed` event, for panels (the wall screen) that reload
// on any change of the work.
(function () {
  if (!window.WebSocket) return;
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var retry = 1000;
  function connect() {
    // The floor page and the wall also hear every change of the telephone floor.
    var floor = document.querySelector("[data-floor-live]") ? "?floor=1" : "";
    var ws = new WebSocket(scheme + location.host + "/ws/live" + floor);
    ws.onopen = function () { retry = 1000; document.body.dataset.live = "on"; };
    ws.onclose = function () { document.body.dataset.live = "off"; setTimeout(connect, retry); retry = Math.min(retry * 2, 30000); };
    ws.onmessage = function (msg) {
      var data = JSON.parse(msg.data);
      if (data.type === "call.ringing" || data.type === "call.answered") { showPop(data); }
      if (data.type === "notify.new" || data.type === "notify.read") { showUnread(data.unread); }
      if (data.type === "agent.state") {
        document.body.dispatchEvent(new CustomEvent("kefu:agent-state", { detail: data }));
      }
      if (data.type && data.type.indexOf("ticket.") === 0) {
        document.body.dispatchEvent(new CustomEvent("kefu:ticket-changed", { detail: data }));
      }
      document.body.dispatchEvent(new CustomEvent("kefu:live", { detail: data }));
      if (data.type !== "floor.changed") {
        document.body.dispatchEvent(new CustomEvent("kefu:work-changed", { detail: data }));
      }
    };
  }
  function showUnread(count) {
    var bell = document.querySelector("[data-testid=bell]");
    if (!bell || typeof count !== "number") return;
    bell.querySelector("[data-unread]").textContent = count;
    bell.classList.toggle("unread", count > 0);
  }
  function showPop(data) {
    var pop = document.getElementById("call-pop");
    if (!pop) return;
    pop.hidden = false;
    pop.querySelector("[data-phone]").textContent = data.phone || "";
    pop.querySelector("[data-customer]").textContent = data.customer_name || pop.dataset.unknown;
    var link = pop.querySelector("a[data-open]");
    link.href = "/?phone=" + encodeURIComponent(data.phone || "") +
      (data.call_id ? "&call=" + encodeURIComponent(data.call_id) : "");
    var input = document.getElementById("phone-lookup");
    if (input && !input.value) {
      // An idle workbench takes this call: the request saved next is linked to it.
      var call = document.querySelector("#intake [name=call_id]");
      if (call && data.call_id) { call.value = data.call_id; }
      input.value = data.phone || "";
      input.dispatchEvent(new Event("lookup"));
    }
  }
  document.addEventListener("click", function (e) {
    if (e.target.matches("[data-close-pop]")) { document.getElementById("call-pop").hidden = true; }
  });
  connect();
})();
