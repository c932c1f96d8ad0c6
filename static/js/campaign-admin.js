/* The campaign form: the recipient count, parts and cost follow the filters
   and the message as they change (the admin's audience view, JSON). */
(function () {
  "use strict";
  function start() {
    var form = document.getElementById("campaign_form");
    var box = document.querySelector("[data-estimate]");
    if (!form || !box || !form.querySelector("[name=template_fa]")) return;
    // From …/campaign/add/ or …/campaign/<id>/change/ to …/campaign/audience/.
    var url = /\/add\/$/.test(window.location.pathname) ? "../audience/" : "../../audience/";
    var timer = null;
    function refresh() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrfmiddlewaretoken");
      fetch(url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.text) return;
          var holder = document.createElement("div");
          holder.innerHTML = data.text;
          var fresh = holder.querySelector("[data-estimate]");
          if (fresh) { box.replaceWith(fresh); box = fresh; }
        });
    }
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 800); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
