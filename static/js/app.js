/* Small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function menus() {
    return document.querySelectorAll("details[data-menu]");
  }

  // One open menu at a time; a click outside or Escape closes it.
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) {
        menu.open = false;
      }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    menus().forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        var summary = menu.querySelector("summary");
        if (summary) {
          summary.focus();
        }
      }
    });
  });

  document.addEventListener(
    "toggle",
    function (event) {
      var opened = event.target;
      if (!(opened instanceof HTMLDetailsElement) || !opened.matches("[data-menu]") || !opened.open) {
        return;
      }
      menus().forEach(function (menu) {
        if (menu !== opened) {
          menu.open = false;
        }
      });
    },
    true
  );

  // Flash messages can be dismissed.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) {
      var flash = button.closest(".flash");
      if (flash) {
        flash.remove();
      }
    }
  });

  // <form data-confirm="Remove Ada from Northwind?"> asks before a destructive POST.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // <button data-copy="element-id"> copies that input's value (API token secrets).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) {
      return;
    }
    var label = button.textContent;
    function done() {
      button.textContent = "Copied";
      window.setTimeout(function () {
        button.textContent = label;
      }, 2000);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(source.value).then(done);
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });
})();
