// Floor plans. Without this script a plan is drawn at 14 px a metre in a
// frame that scrolls, every booth a link (css/plan-static.css). With it:
// - the plan opens fitted to the frame's width: the whole hall is seen;
// - zoom with the buttons, a pinch (two fingers) or ctrl + wheel, and pan by
//   scrolling or dragging; booth codes stay at least 12 px high on the
//   screen, and units' names show once they are big enough to read;
// - tapping a booth opens a sheet (its unit, products, contact, "on the
//   plan") instead of leaving the page;
// - the search box marks the booths whose code, unit or products match as
//   one types.
(function () {
  "use strict";

  var persian = (document.documentElement.lang || "").indexOf("fa") === 0;
  var MIN_NAME_PX = 10;
  var MAX_ZOOM = 8;

  function shownDigits(text) {
    return persian ? String(text).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }) : String(text);
  }

  // Folds what people type the same way on both sides: Arabic and Persian
  // letters and digits, the zero-width non-joiner, case, spaces.
  function fold(text) {
    return (text || "")
      .replace(/[يى]/g, "ی").replace(/ك/g, "ک").replace(/[ۀة]/g, "ه").replace(/[أإآ]/g, "ا")
      .replace(/[۰-۹]/g, function (d) { return String(d.charCodeAt(0) - 0x06f0); })
      .replace(/[٠-٩]/g, function (d) { return String(d.charCodeAt(0) - 0x0660); })
      .replace(/[\u064b-\u065f\u0670\u200d-\u200f]/g, "")
      .replace(/[\u200c\s\-_.]+/g, " ")
      .toLowerCase().trim();
  }

  function Plan(frame) {
    this.frame = frame;
    this.svg = frame.querySelector("svg");
    this.zoom = 1;
    var box = this.svg.viewBox.baseVal;
    this.metres = box.width;
    var sizes = Array.prototype.map.call(this.svg.querySelectorAll("text.name"), function (t) {
      return parseFloat(t.getAttribute("font-size"));
    });
    this.nameSize = sizes.length ? Math.min.apply(null, sizes) : 0;
    frame.classList.add("fitted");
    this.update();
    this.measureCodes();
    this.controls();
    this.pinch();
    this.drag();
  }

  Plan.prototype.measureCodes = function () {
    // How much wider than its booth the widest code is at this scale: codes
    // keep 12 px on the screen, so on a big hall fitted to a phone they
    // would run over their neighbours; they wait until one zooms in.
    var widest = 0;
    this.svg.querySelectorAll("g.booth").forEach(function (g) {
      var text = g.querySelector("text.code");
      var rect = g.querySelector("rect");
      if (!text || !rect) return;
      widest = Math.max(widest, text.getBBox().width / rect.width.baseVal.value);
    });
    this.codeRatio = widest;
    this.codeScale = this.scale;
    this.update();
  };

  Plan.prototype.update = function () {
    // Pixels a metre as drawn now: what the labels' sizes follow.
    var scale = this.svg.getBoundingClientRect().width / this.metres;
    if (!scale) return;
    this.scale = scale;
    this.svg.style.setProperty("--px", scale.toFixed(3));
    this.svg.classList.toggle("show-names", this.nameSize * scale >= MIN_NAME_PX);
    if (this.codeRatio) {
      this.svg.classList.toggle("no-codes", this.codeRatio * this.codeScale / scale > 1.05);
    }
    if (this.bar) {
      this.bar.querySelector('[data-step="out"]').disabled = this.zoom <= 1;
      this.bar.querySelector('[data-step="reset"]').disabled = this.zoom <= 1;
      this.bar.querySelector('[data-step="in"]').disabled = this.zoom >= MAX_ZOOM;
    }
  };

  Plan.prototype.setZoom = function (next, cx, cy) {
    var frame = this.frame;
    // Keep the point under (cx, cy), the frame's centre by default, where it was.
    var rect = frame.getBoundingClientRect();
    var px = cx === undefined ? frame.clientWidth / 2 : cx - rect.left;
    var py = cy === undefined ? frame.clientHeight / 2 : cy - rect.top;
    var fx = (frame.scrollLeft + px) / frame.scrollWidth;
    var fy = (frame.scrollTop + py) / frame.scrollHeight;
    next = Math.min(MAX_ZOOM, Math.max(1, next));
    if (next === this.zoom) return;
    if (this.zoom === 1) {
      // The frame keeps the height it had fitted, so that the page below
      // does not move while one zooms.
      frame.style.height = frame.clientHeight + 2 + "px";
    }
    this.zoom = next;
    this.svg.style.width = 100 * next + "%";
    if (next === 1) frame.style.height = "";
    frame.scrollLeft = fx * frame.scrollWidth - px;
    frame.scrollTop = fy * frame.scrollHeight - py;
    this.update();
  };

  Plan.prototype.controls = function () {
    var plan = this;
    var bar = this.frame.previousElementSibling;
    if (!bar || !bar.hasAttribute("data-zoom")) return;
    this.bar = bar;
    bar.hidden = false;
    bar.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var step = button.dataset.step;
      plan.setZoom(step === "in" ? plan.zoom * 1.6 : step === "out" ? plan.zoom / 1.6 : 1);
    });
    this.update();
    this.frame.addEventListener("wheel", function (event) {
      if (!event.ctrlKey) return; // a trackpad's pinch; a plain wheel scrolls
      event.preventDefault();
      plan.setZoom(plan.zoom * Math.exp(-event.deltaY / 200), event.clientX, event.clientY);
    }, { passive: false });
    window.addEventListener("resize", function () { plan.update(); });
  };

  Plan.prototype.pinch = function () {
    // Two fingers on the plan zoom the plan, not the page (touch-action in
    // plan.css leaves one-finger panning to the browser).
    var plan = this;
    var touches = new Map();
    var start = null;
    function spread() {
      var p = Array.from(touches.values());
      return { d: Math.hypot(p[0].x - p[1].x, p[0].y - p[1].y), x: (p[0].x + p[1].x) / 2, y: (p[0].y + p[1].y) / 2 };
    }
    this.frame.addEventListener("pointerdown", function (event) {
      if (event.pointerType !== "touch") return;
      touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (touches.size === 2) start = { zoom: plan.zoom, d: spread().d };
    });
    this.frame.addEventListener("pointermove", function (event) {
      if (!touches.has(event.pointerId)) return;
      touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (touches.size === 2 && start && start.d > 0) {
        var now = spread();
        plan.setZoom(start.zoom * now.d / start.d, now.x, now.y);
      }
    });
    function lift(event) {
      touches.delete(event.pointerId);
      if (touches.size < 2) start = null;
    }
    this.frame.addEventListener("pointerup", lift);
    this.frame.addEventListener("pointercancel", lift);
  };

  Plan.prototype.drag = function () {
    var frame = this.frame;
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
    var dragged = 0;
    window.addEventListener("pointerup", function () {
      if (drag && drag.moved) dragged = Date.now();
      drag = null;
    });
    // A drag is not a click on the booth under the pointer (that click comes
    // right after the drag ends, or never, when the drag ends outside).
    frame.addEventListener("click", function (event) {
      if (Date.now() - dragged < 300) {
        event.preventDefault();
        event.stopPropagation();
      }
    }, { capture: true });
  };

  function boothCode(element, prefix) {
    return element.id.slice(prefix.length);
  }

  var plans = Array.prototype.map.call(document.querySelectorAll("[data-plan]"), function (frame) {
    return new Plan(frame);
  });

  var marked = document.querySelector("[data-plan] .highlighted");
  if (marked) marked.scrollIntoView({ block: "nearest", inline: "center" });

  // The sheet: a tapped booth's unit, from the hall's list of units.
  var sheet = document.querySelector("[data-sheet]");
  if (sheet && sheet.showModal) {
    var body = sheet.querySelector("[data-sheet-body]");
    var title = sheet.querySelector("#sheet-title");
    document.querySelectorAll("[data-plan]").forEach(function (frame) {
      frame.addEventListener("click", function (event) {
        var link = event.target.closest("g.booth a");
        if (!link) return;
        var code = boothCode(link.parentNode, "booth-");
        var item = document.getElementById("unit-" + code);
        if (!item) return;
        event.preventDefault();
        title.textContent = item.querySelector(".booth-code").textContent;
        body.replaceChildren();
        Array.prototype.forEach.call(item.children, function (child) {
          if (!child.classList.contains("booth-code")) body.appendChild(child.cloneNode(true));
        });
        var unit = item.querySelector("a.unit").getAttribute("href");
        var here = sheet.dataset.planUrl + "?highlight=" + encodeURIComponent(code) + "#booth-" + encodeURIComponent(code);
        var links = document.createElement("p");
        links.className = "links";
        [[unit + "#contact-title", sheet.dataset.contact], [unit, sheet.dataset.page], [here, sheet.dataset.onPlan]]
          .forEach(function (pair) {
            var a = document.createElement("a");
            a.href = pair[0];
            a.textContent = pair[1];
            links.appendChild(a);
          });
        body.appendChild(links);
        sheet.showModal();
      });
    });
    sheet.querySelector("[data-close]").addEventListener("click", function () { sheet.close(); });
    sheet.addEventListener("click", function (event) {
      if (event.target === sheet) sheet.close(); // a tap outside the sheet
    });
  }

  // The search box: marks matching booths as one types (the form still
  // submits without the script, and the server marks them).
  var form = document.querySelector("[data-plan-search]");
  if (form) {
    var input = form.querySelector("input");
    var count = form.querySelector(".found-count");
    var serverList = form.querySelector("[data-server-found]");
    var items = Array.prototype.map.call(document.querySelectorAll("[data-units] li"), function (li) {
      // What the server's search reads: the code, the unit's names, its products.
      var code = boothCode(li, "unit-");
      var names = [code, li.dataset.legal || "", li.querySelector("a.unit").textContent];
      li.querySelectorAll(".what bdi").forEach(function (b) { names.push(b.textContent); });
      return { code: code, text: fold(names.join(" ")) };
    });
    var free = Array.prototype.map.call(document.querySelectorAll("[data-plan] g.booth.free"), function (g) {
      var code = boothCode(g, "booth-");
      return { code: code, text: fold(code) };
    });
    var everything = items.concat(free);
    var search = function () {
      var words = fold(input.value).split(" ").filter(Boolean);
      if (serverList) serverList.hidden = true;
      var found = 0;
      var first = null;
      var hits = {};
      everything.forEach(function (entry) {
        var hit = words.length > 0 && words.every(function (w) { return entry.text.indexOf(w) !== -1; });
        if (hit) { hits[entry.code] = true; found += 1; }
      });
      document.querySelectorAll("[data-plan] svg").forEach(function (svg) {
        svg.classList.toggle("searching", words.length > 0);
        svg.querySelectorAll("g.booth").forEach(function (g) {
          var hit = hits[boothCode(g, "booth-")] === true;
          g.classList.toggle("match", hit);
          if (hit && !first) first = g;
        });
      });
      if (!words.length) { count.textContent = ""; return; }
      count.textContent = found === 0 ? count.dataset.none
        : (found === 1 ? count.dataset.one : count.dataset.other).replace("NUM", shownDigits(found));
      if (first) first.scrollIntoView({ block: "nearest", inline: "nearest" });
    };
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      search();
    });
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  window.hamsayePlans = plans;
})();
