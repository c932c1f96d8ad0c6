// Floor plans: zoom buttons, drag to pan with a mouse (touch screens pan
// natively), the highlighted booth scrolled into view, and print buttons.
// Without this script the plan is still drawn, scrollable and linked.
(function () {
  "use strict";

  document.querySelectorAll("[data-plan]").forEach(function (frame) {
    var svg = frame.querySelector("svg");
    var zoom = 1;

    function setZoom(next) {
      // Keep the point at the centre of the frame where it was.
      var cx = (frame.scrollLeft + frame.clientWidth / 2) / frame.scrollWidth;
      var cy = (frame.scrollTop + frame.clientHeight / 2) / frame.scrollHeight;
      zoom = Math.min(6, Math.max(1, next));
      svg.style.setProperty("--zoom", zoom);
      frame.scrollLeft = cx * frame.scrollWidth - frame.clientWidth / 2;
      frame.scrollTop = cy * frame.scrollHeight - frame.clientHeight / 2;
    }

    var bar = frame.previousElementSibling;
    if (bar && bar.hasAttribute("data-zoom")) {
      bar.hidden = false;
      bar.addEventListener("click", function (event) {
        var button = event.target.closest("button");
        if (!button) return;
        var step = button.dataset.step;
        setZoom(step === "in" ? zoom * 1.5 : step === "out" ? zoom / 1.5 : 1);
      });
    }

    var drag = null;
    frame.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "mouse" || event.button !== 0) return;
      drag = { x: event.clientX, y: event.clientY, left: frame.scrollLeft, top: frame.scrollTop, moved: false };
    });
    frame.addEventListener("pointermove", function (event) {
      if (!drag) return;
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
      frame.scrollLeft = drag.left - dx;
      frame.scrollTop = drag.top - dy;
    });
    window.addEventListener("pointerup", function () {
      if (drag && drag.moved) {
        // A drag is not a click on the booth under the pointer.
        frame.addEventListener("click", function (e) { e.preventDefault(); }, { capture: true, once: true });
      }
      drag = null;
    });

    var marked = frame.querySelector(".highlighted");
    if (marked) marked.scrollIntoView({ block: "center", inline: "center" });
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
