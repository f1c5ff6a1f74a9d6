// Live floor panels (the floor page, the wall's telephone block): each element with
// data-floor-reload="<url>" reloads when the floor changes (a `floor.changed` push), at most
// one request at a time — a change during a reload brings one more reload right after it —
// and every few seconds anyway, for the waiting times that grow by themselves. A note being
// typed in the panel holds the reload until it is sent or cleared.
(function () {
  var panels = document.querySelectorAll("[data-floor-reload]");
  if (!panels.length || !window.htmx) return;
  panels.forEach(function (first) {
    // The wall's main panel re-renders this block: find it again each time, by its id.
    var id = first.id, url = first.dataset.floorReload;
    var busy = false, again = false, held = false;
    var panel = first;
    function typing() {
      var el = document.activeElement;
      return el && panel.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.value;
    }
    function reload() {
      panel = document.getElementById(id) || panel;
      if (busy) { again = true; return; }
      if (typing()) {  // a note being typed in the panel is not wiped: wait for it
        if (!held) { held = true; setTimeout(function () { held = false; reload(); }, 1000); }
        return;
      }
      busy = true; again = false;
      htmx.ajax("GET", url, { target: "#" + id, swap: "innerHTML" })
        .then(done, done);
    }
    function done() {
      busy = false;
      if (again) reload();
    }
    document.body.addEventListener("kefu:live", function (e) {
      if (e.detail && e.detail.type === "floor.changed") reload();
    });
    setInterval(reload, parseInt(first.dataset.floorEvery || "5000", 10));
  });
})();
