// Kefu web chat widget. A site adds one tag:
//   <script src="https://kefu.example.com/chat/widget.js" async></script>
// and gets a floating 在线客服 button that opens the chat (a Kefu page) in an iframe.
// Optional attributes: data-label (the button's text), data-branch (a branch code: the
// site's chats are that branch's; an unknown code gives a chat of the whole center).
(function () {
  "use strict";
  if (window.__kefuChat) return;
  window.__kefuChat = true;
  var script = document.currentScript || document.querySelector("script[src*='/chat/widget.js']");
  var origin = new URL(script.src, location.href).origin;
  var label = (script && script.getAttribute("data-label")) || "在线客服";
  var branch = (script && script.getAttribute("data-branch")) || "";

  function start() {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    button.setAttribute("data-kefu-chat", "button");
    button.style.cssText = "position:fixed;right:20px;bottom:20px;z-index:2147483646;padding:10px 18px;" +
      "border:0;border-radius:22px;background:#1d4ed8;color:#fff;font:15px/1.4 sans-serif;cursor:pointer;" +
      "box-shadow:0 4px 14px rgba(0,0,0,.25)";
    var frame = null;
    button.addEventListener("click", function () {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.src = origin + "/chat/embed?page=" + encodeURIComponent(location.href) +
          (branch ? "&branch=" + encodeURIComponent(branch) : "");
        frame.title = label;
        frame.setAttribute("data-kefu-chat", "frame");
        frame.style.cssText = "position:fixed;right:20px;bottom:72px;z-index:2147483647;width:380px;" +
          "height:560px;max-width:calc(100vw - 40px);max-height:calc(100vh - 100px);border:1px solid #d0d5dd;" +
          "border-radius:10px;background:#fff;box-shadow:0 8px 30px rgba(0,0,0,.25)";
        document.body.appendChild(frame);
      } else {
        frame.hidden = !frame.hidden;
      }
    });
    document.body.appendChild(button);
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
