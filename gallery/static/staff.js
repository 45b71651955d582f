/* Live preview of the gallery editor: reload the preview frame with the unsaved settings. */
(function () {
  "use strict";
  var form = document.getElementById("gallery-form");
  var frame = document.getElementById("gallery-preview");
  if (!form || !frame || !form.dataset.preview) return;
  var timer = null;
  function refresh() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrf_token");
    frame.src = form.dataset.preview + "?" + params.toString();
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
})();
