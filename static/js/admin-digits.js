// Persian digits in what the admin's scripts write on Persian pages: the
// "0 of 52 selected" counter (actions.js), autocomplete results, the calendar.
// The server writes its own text with Persian digits (the text_digits filter);
// this follows the same rule: text only, never what is typed in a field, code,
// parts in another language (lang="en"), URLs or email addresses.
(function () {
  "use strict";
  if (!/^fa/i.test(document.documentElement.lang)) {
    return;
  }
  var PERSIAN = "۰۱۲۳۴۵۶۷۸۹";
  var KEPT = /(?:https?:\/\/|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
  var PARTS = new RegExp("(" + KEPT.source + ")|[0-9]+", "g");
  var SKIPPED = "script, style, textarea, code, pre, kbd, samp, [contenteditable]";

  function persian(match, kept) {
    if (kept) {
      return kept;
    }
    return match.replace(/[0-9]/g, function (d) {
      return PERSIAN[d];
    });
  }

  function shown(element) {
    if (!element || element.closest(SKIPPED)) {
      return false;
    }
    var marked = element.closest("[lang]");
    return !marked || /^fa/i.test(marked.getAttribute("lang"));
  }

  function convertText(node) {
    var text = node.nodeValue;
    if (/[0-9]/.test(text) && shown(node.parentElement)) {
      var converted = text.replace(PARTS, persian);
      if (converted !== text) {
        node.nodeValue = converted;
      }
    }
  }

  function convert(root) {
    if (root.nodeType === Node.TEXT_NODE) {
      convertText(root);
      return;
    }
    if (root.nodeType !== Node.ELEMENT_NODE || !/[0-9]/.test(root.textContent)) {
      return;
    }
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      convertText(node);
    }
  }

  function start() {
    convert(document.body);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (mutation) {
        if (mutation.type === "characterData") {
          convertText(mutation.target);
        } else {
          mutation.addedNodes.forEach(convert);
        }
      });
    }).observe(document.body, { childList: true, characterData: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
