/* The contract page's signed-PDF box: while the PDF is being prepared, ask every 2 seconds how it
   stands and swap the box for the answer, so the download link appears once the PDF is ready. The page
   works without this file: a reload shows the same. */
(function () {
  "use strict";

  var EVERY_MS = 2000;
  var MAX_TRIES = 150; // five minutes; a reload starts again

  function poll(box, tries) {
    var url = box.getAttribute("data-poll");
    if (!url || tries >= MAX_TRIES) {
      return;
    }
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.text();
        })
        .then(function (html) {
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          var fresh = holder.content.querySelector("[data-contract-document]");
          if (!fresh) {
            return;
          }
          box.replaceWith(fresh);
          poll(fresh, tries + 1);
        })
        .catch(function () {
          poll(box, tries + 1);
        });
    }, EVERY_MS);
  }

  document.querySelectorAll("[data-contract-document][data-poll]").forEach(function (box) {
    poll(box, 0);
  });
})();
