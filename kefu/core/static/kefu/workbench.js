// The workbench: a looked-up caller fills the intake form, so the agent only types the matter.
(function () {
  // Opened with a number (the call pop's 打开受理, /?phone=…): look it up at once, once htmx
  // has wired the page (its script is deferred, this one is not).
  document.addEventListener("DOMContentLoaded", function () {
    setTimeout(function () {
      var input = document.getElementById("phone-lookup");
      if (input && input.value) input.dispatchEvent(new Event("lookup"));
    }, 0);
  });
  function form() { return document.getElementById("intake-form"); }
  function useCustomer(f, id, number, name) {
    f.customer_id.value = id || "";
    if (number) f.caller_number.value = number;
    if (name && !f.contact_name.value) f.contact_name.value = name;
    // The scripts address the caller by the archive's title (标准话术 panel).
    document.body.dispatchEvent(new Event("customer"));
  }
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id !== "profile") return;
    var f = form();
    var caller = e.target.querySelector("[data-caller]");
    if (!f || !caller) return;
    // One customer owns the number: take it; several: the agent picks with the button.
    useCustomer(f, caller.dataset.single, caller.dataset.caller, caller.dataset.singleName);
    // The caller is known: the cursor goes to 诉求内容, unless the agent is elsewhere.
    var at = document.activeElement;
    if (caller.dataset.single && (!at || at === document.body || at.id === "phone-lookup")) {
      f.content.focus();
    }
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-use-customer]");
    var f = form();
    if (!button || !f) return;
    f.contact_name.value = "";
    useCustomer(f, button.dataset.useCustomer, button.dataset.number, button.dataset.name);
    f.content.focus();
  });
})();
// The complaint fields show only for a complaint.
(function () {
  function sync() {
    var f = document.getElementById("intake-form");
    if (!f || !f.type) return;
    var box = f.querySelector("[data-complaint-fields]");
    if (box) box.hidden = f.type.value !== "complaint";
    // The work order's fields for a type that makes work orders (报修, 订单), once dispatched.
    var order = f.querySelector("[data-order-fields]");
    if (order) {
      var kinds = (order.dataset.orderTypes || "").split(" ");
      order.hidden = kinds.indexOf(f.type.value) < 0;
    }
  }
  document.addEventListener("change", function (e) { if (e.target.name === "type") sync(); });
  document.body.addEventListener("htmx:afterSwap", sync);
  document.addEventListener("DOMContentLoaded", sync);
  sync();
})();
// A call about an active notice: the ticket is linked to the notice instead of a new repair.
(function () {
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-use-notice]");
    var f = document.getElementById("intake-form");
    if (!button || !f || !f.notice_id) return;
    f.notice_id.value = button.dataset.useNotice;
    // Answered from the notice: an inquiry (咨询), not a new repair.
    if (f.type && f.type.value === "repair") {
      f.type.value = "inquiry";
      f.type.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (!f.content.value) f.content.value = "来电咨询公告:" + button.dataset.title;
    f.content.focus();
  });
})();
// Triage suggestions: one click puts a suggestion into the intake form ("全部采纳": all of them).
(function () {
  function accept(button) {
    var f = document.getElementById("intake-form");
    var field = f && f.elements[button.dataset.acceptField];
    if (!field) return;
    field.value = button.dataset.acceptValue;
    field.dispatchEvent(new Event("change", { bubbles: true }));
    // A matter names the complaint category of the same code (saving does the same).
    var category = f.elements["category"];
    if (button.dataset.acceptField === "matter" && category && !category.value &&
        category.querySelector('option[value="' + CSS.escape(field.value) + '"]')) {
      category.value = field.value;
    }
    button.closest("tr").classList.add("accepted");
  }
  document.addEventListener("click", function (e) {
    var one = e.target.closest("[data-accept-field]");
    if (one) return accept(one);
    var all = e.target.closest("[data-accept-all]");
    if (!all) return;
    // The type first: a complaint's class field shows only once the type is a complaint.
    var panel = all.closest("[data-testid=triage-suggest]");
    panel.querySelectorAll("[data-accept-field]").forEach(accept);
  });
})();
