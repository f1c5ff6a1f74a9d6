// Live floor panels (the floor page, the wall's telephone block): each element with
// data-floor-reload="<url>" reloads when the floor changes (a `floor.changed` push), at most
// one request at a time and at most four a second — a change during a reload brings one more
// reload after it —
// and every few seconds anyway, for the waiting times that grow by themselves. A note being
// typed in the panel holds the reload until it is sent or cleared.
(function () {
  var GAP = 250;  // ms between the starts of two reloads
  var panels = document.querySelectorAll("[data-floor-reload]");
  if (!panels.length || !window.htmx) return;
  panels.forEach(function (first) {
    // The wall's main panel re-renders this block: find it again each time, by its id.
    var id = first.id, url = first.dataset.floorReload;
    var busy = false, again = false, held = false, last = 0, timer = null;
    var panel = first;
    function typing() {
      var el = document.activeElement;
      return el && panel.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.value;
    }
    function reload() {
      panel = document.getElementById(id) || panel;
      if (busy) { again = true; return; }
      var wait = last + GAP - Date.now();
      if (wait > 0) {  // at most four reloads a second, however busy the floor
        if (!timer) { timer = setTimeout(function () { timer = null; reload(); }, wait); }
        return;
      }
      if (typing()) {  // a note being typed in the panel is not wiped: wait for it
        if (!held) { held = true; setTimeout(function () { held = false; reload(); }, 1000); }
        return;
      }
      busy = true; again = false; last = Date.now();
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
