// Small helpers for the unit's forms. Every form works without them.
(function () {
  "use strict";

  // Category picker: suggestions from /categories/search/ in a <datalist>, classes
  // first, each with its level (class, group …). The value is what the box takes;
  // the label shows the level too (Chrome shows both, other browsers the label).
  // A name typed without choosing is fine: the server takes it if it fits one category.
  document.querySelectorAll("input.category-picker").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last || q.indexOf("·") !== -1) return;
        last = q;
        fetch(input.dataset.url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            list.replaceChildren();
            data.results.forEach(function (category) {
              var option = document.createElement("option");
              option.value = category.label;
              option.label = category.label + " · " + category.level_name;
              list.appendChild(option);
            });
          })
          .catch(function () { /* typing a code still works */ });
      }, 200);
    });
  });

  // Industrial park: show only the parks of the chosen county.
  var county = document.getElementById("id_county");
  var park = document.getElementById("id_park");
  if (county && park) {
    var filterParks = function () {
      var chosen = county.options[county.selectedIndex];
      var name = chosen ? chosen.text : "";
      park.querySelectorAll("optgroup").forEach(function (group) {
        var match = group.label === name;
        group.hidden = !match;
        group.disabled = !match;
        if (!match && park.selectedOptions.length && group.contains(park.selectedOptions[0])) {
          park.value = "";
        }
      });
    };
    county.addEventListener("change", filterParks);
    filterParks();
  }

  // One submit per form: a second tap while the first is on its way does nothing.
  document.querySelectorAll("form.single-submit").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) { event.preventDefault(); return; }
      form.dataset.submitted = "1";
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-busy", "true"); });
    });
  });
})();
