/* A form that posts is sent once: while its request is in flight, its submit buttons are disabled and
 * another submit of it is ignored. The server keeps one answer per form token anyway
 * (core/idempotency.py); this spares the user a second request and shows that the first is on its way. */
(function () {
  "use strict";

  var LOCK = "data-submitting";
  var DISABLED_HERE = "data-disabled-while-submitting";
  var SENDING = "data-sending"; // on the clicked button: it shows a spinner until the answer (an upload can take a while)
  var STALLED_AFTER_MS = 20000;

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return (element.type === "submit" || element.type === "image") && !element.disabled;
    });
  }

  function disableButtons(form, submitter) {
    form.setAttribute("aria-busy", "true");
    if (submitter && submitter.form === form) {
      submitter.setAttribute(SENDING, "");
    }
    submitButtons(form).forEach(function (button) {
      button.disabled = true;
      button.setAttribute(DISABLED_HERE, "");
    });
  }

  function unlock(form) {
    form.removeAttribute(LOCK);
    form.removeAttribute("aria-busy");
    // form.elements, not the form's descendants: a button elsewhere may belong to it with form="id".
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.hasAttribute(DISABLED_HERE)) {
        element.disabled = false;
        element.removeAttribute(DISABLED_HERE);
      }
      element.removeAttribute(SENDING);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || (form.getAttribute("method") || "get").toLowerCase() !== "post") {
      return;
    }
    if (form.target && form.target !== "_self") {
      return; // the page stays, so nothing would ever unlock it
    }
    if (form.hasAttribute(LOCK)) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) {
      return; // a declined confirmation (app.js)
    }
    form.setAttribute(LOCK, "");
    // Buttons are disabled after the event: the browser reads the clicked button's name and value (the task
    // form's "publish") once the event is over, and leaves disabled ones out. A script listening after this
    // one may still cancel the submit.
    window.setTimeout(function () {
      if (event.defaultPrevented) {
        unlock(form);
        return;
      }
      disableButtons(form, event.submitter);
      // A stopped or stalled request never brings a new page: let the user try again (the server still
      // answers a second copy of the same form with what the first did).
      window.setTimeout(function () {
        unlock(form);
      }, STALLED_AFTER_MS);
    }, 0);
  });

  // Back (or forward) to a page kept in the browser's cache: its forms must work again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[" + LOCK + "]").forEach(unlock);
  });
})();
