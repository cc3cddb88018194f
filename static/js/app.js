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

  // <button data-disclosure aria-controls="panel-id" aria-expanded="false"> shows and hides its panel (the
  // header's menu, the filters on a phone) by the panel's "is-open" class. The stylesheet decides where the
  // button appears at all: elsewhere the panel is simply shown, so nothing here depends on the width.
  function setDisclosure(button, open) {
    var panel = document.getElementById(button.getAttribute("aria-controls"));
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (panel) {
      panel.classList.toggle("is-open", open);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-disclosure]");
    if (button) {
      setDisclosure(button, button.getAttribute("aria-expanded") !== "true");
    }
  });

  // Escape folds the header's menu again and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    document.querySelectorAll('button[data-disclosure="menu"][aria-expanded="true"]').forEach(function (button) {
      setDisclosure(button, false);
      button.focus();
    });
  });

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

  // <form data-confirm="Remove Ada from Northwind?"> asks before a destructive POST, in the page: a modal
  // <dialog> with the question and two buttons (keep, or the form's own action), not the browser's
  // confirm() box. Without JavaScript the form posts straight away, as the server still checks it.
  var confirmDialog = null;

  function confirmationDialog() {
    if (confirmDialog) {
      return confirmDialog;
    }
    confirmDialog = document.createElement("dialog");
    confirmDialog.className = "confirm-dialog";
    confirmDialog.setAttribute("aria-labelledby", "confirm-dialog-question");
    var body = document.createElement("form");
    body.method = "dialog";
    var question = document.createElement("p");
    question.id = "confirm-dialog-question";
    var buttons = document.createElement("div");
    buttons.className = "button-row";
    var keep = document.createElement("button");
    keep.type = "submit";
    keep.value = "keep";
    keep.className = "btn btn-secondary";
    keep.textContent = "Keep it";
    var go = document.createElement("button");
    go.type = "submit";
    go.value = "confirm";
    go.className = "btn btn-danger";
    buttons.append(keep, go);
    body.append(question, buttons);
    confirmDialog.append(body);
    document.body.append(confirmDialog);
    return confirmDialog;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (!question) {
      return;
    }
    if (form.hasAttribute("data-confirmed")) {
      form.removeAttribute("data-confirmed");
      return;
    }
    event.preventDefault();
    var submitter = event.submitter || null;
    var dialog = confirmationDialog();
    dialog.querySelector("p").textContent = question;
    // The action is named as the page names it ("Cancel task", "Withdraw bid").
    dialog.querySelector("button[value=confirm]").textContent = (submitter && submitter.textContent.trim()) || "Confirm";
    dialog.returnValue = "";
    dialog.onclose = function () {
      if (dialog.returnValue === "confirm") {
        form.setAttribute("data-confirmed", "");
        if (form.requestSubmit) {
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        } else {
          form.submit();
        }
      } else if (submitter) {
        submitter.focus();
      }
    };
    dialog.showModal();
    dialog.querySelector("button[value=keep]").focus();
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
  // A refused form's error summary ({% error_summary %}) takes the focus, so the list is read first;
  // its links focus their field and bring its label into view (a plain jump would hide the label
  // under the top of the screen and leave the focus where it was).
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorSummary);
  } else {
    focusErrorSummary();
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    var label = document.querySelector("label[for='" + target.id + "']");
    var group = target.closest("fieldset");
    var shown = (target.type === "radio" || target.type === "checkbox") && group ? group : label || target;
    shown.scrollIntoView({ block: "start" });
    target.focus({ preventScroll: true });
  });
})();
