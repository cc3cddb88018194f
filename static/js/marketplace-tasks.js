/* Task pages: small enhancements; every page works without this file. */
(function () {
  "use strict";

  // The task form shows the fixed-price or the hourly fields, whichever budget type is chosen.
  function showBudgetGroup() {
    var chosen = document.querySelector('[data-choice="budget_type"] input:checked');
    if (!chosen) {
      return;
    }
    document.querySelectorAll("[data-budget-group]").forEach(function (group) {
      group.hidden = group.getAttribute("data-budget-group") !== chosen.value;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches('[data-choice="budget_type"] input')) {
      showBudgetGroup();
    }
    // The browse form's budget labels name the currency chosen beside the bounds.
    if (target.matches("select[data-budget-currency-select]")) {
      var group = target.closest("fieldset");
      if (group) {
        group.querySelectorAll("[data-budget-label]").forEach(function (label) {
          var words = label.getAttribute("data-budget-label");
          label.textContent = words ? words + " (" + target.value + ")" : target.value;
        });
      }
    }
    // A sort or filter select that applies itself.
    if (target.matches("select[data-autosubmit]")) {
      var form = target.form;
      if (form) {
        if (form.requestSubmit) {
          form.requestSubmit();
        } else {
          form.submit();
        }
      }
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showBudgetGroup);
  } else {
    showBudgetGroup();
  }
})();
