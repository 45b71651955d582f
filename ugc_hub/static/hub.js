// Keyboard moderation and small conveniences; the pages work without it.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
      el.addEventListener("change", function () { el.form.submit(); });
    });
    var list = document.querySelector("[data-keyboard-list]");
    var items = list ? Array.prototype.slice.call(list.querySelectorAll("li.post")) : [];
    var detail = document.querySelector("[data-shortcut-scope]");
    var index = -1;
    function focusAt(i) {
      if (!items.length) { return; }
      index = Math.max(0, Math.min(items.length - 1, i));
      items.forEach(function (li) { li.classList.remove("current"); });
      items[index].classList.add("current");
      items[index].focus();
    }
    items.forEach(function (li, i) { li.addEventListener("focus", function () { index = i; }); });
    function press(scope, key) {
      var button = scope && scope.querySelector('button[data-shortcut="' + key + '"]');
      if (button) { button.click(); }
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) { return; }
      var current = items[index];
      switch (event.key) {
        case "j": focusAt(index + 1); break;
        case "k": focusAt(index - 1); break;
        case "a": case "r": press(current || detail, event.key); break;
        case "x":
          if (current) { var box = current.querySelector('input[type="checkbox"]'); if (box) { box.checked = !box.checked; } }
          break;
        case "o": case "Enter":
          if (!current || target !== current) { return; }
          window.location.href = current.getAttribute("data-open");
          break;
        default: return;
      }
      event.preventDefault();
    });
  });
})();
