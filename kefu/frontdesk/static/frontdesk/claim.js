/* The claim form's signature pad (认领人签名): draw with a finger, a stylus or a mouse; each
   stroke puts the drawing, as a PNG data URL, into the hidden field the form posts. */
(function () {
  "use strict";

  function signaturePad(box) {
    var canvas = box.querySelector("canvas");
    var field = box.querySelector("input[type=hidden]");
    var ctx = canvas.getContext("2d");
    var last = null;

    function reset() {
      var ratio = window.devicePixelRatio || 1;
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      // White, not transparent: the PNG reads on any background.
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, rect.width, rect.height);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      ctx.fillStyle = "#111";
    }

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!last) return;
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    function end() {
      if (!last) return;
      last = null;
      field.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);

    box.querySelector("[data-clear]").addEventListener("click", function () {
      field.value = "";
      reset();
    });
    reset();
  }

  document.querySelectorAll("[data-signature]").forEach(signaturePad);
})();
