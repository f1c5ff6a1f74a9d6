/* Signature pads ([data-signature]: a canvas, a hidden field, a [data-clear] button): the
   customer's on a completed work order, the claimant's at the lost-and-found desk. Draw with a
   finger, a stylus or a mouse (pointer events); each stroke puts the drawing, as a PNG data
   URL, into the hidden field the form posts. */
(function () {
  "use strict";

  function signaturePad(box) {
    var canvas = box.querySelector("canvas");
    var field = box.querySelector("input[type=hidden]");
    var ctx = canvas.getContext("2d");
    var last = null;
    var width = 0;

    function reset() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      width = rect.width;
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      // White, not transparent: the PNG is read on white and black screens alike.
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, rect.width, rect.height);
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#111";
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
    }

    function redraw(url) {
      // After a refused completion (422) the page comes back with the drawing: show it again.
      if (!url) return;
      var image = new Image();
      image.onload = function () {
        var rect = canvas.getBoundingClientRect();
        ctx.drawImage(image, 0, 0, rect.width, rect.height);
      };
      image.onerror = function () { field.value = ""; };
      image.src = url;
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      if (!events.length) events = [event];
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      for (var i = 0; i < events.length; i++) {
        last = point(events[i]);
        ctx.lineTo(last.x, last.y);
      }
      ctx.stroke();
    });
    function end() {
      if (!last) return;
      last = null;
      field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);

    box.querySelector("[data-clear]").addEventListener("click", function () {
      field.value = "";
      reset();
    });
    window.addEventListener("resize", function () {
      // Turning the phone changes the pad's width: keep what was drawn, scaled.
      if (canvas.getBoundingClientRect().width === width) return;
      reset();
      redraw(field.value);
    });

    reset();
    redraw(field.value);
  }

  document.querySelectorAll("[data-signature]").forEach(signaturePad);
})();
