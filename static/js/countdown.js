// The code page: "you can ask for a new code at 13:05:09" counts down to it.
// The server's clock decides (data-now); this only shows the seconds left.
(function () {
  "use strict";
  var box = document.querySelector(".countdown[data-at]");
  if (!box) return;
  var at = Date.parse(box.dataset.at);
  var skew = Date.now() - Date.parse(box.dataset.now);
  var left = box.querySelector(".countdown-left");
  var persian = (document.documentElement.lang || "").indexOf("fa") === 0;
  function digits(text) {
    return persian ? String(text).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : String(text);
  }
  function tick() {
    var seconds = Math.ceil((at - (Date.now() - skew)) / 1000);
    if (seconds <= 0) {
      box.hidden = true;
      return;
    }
    left.textContent = "(" + digits(seconds) + " " + box.dataset.unit + ")";
    window.setTimeout(tick, 1000);
  }
  tick();
})();
