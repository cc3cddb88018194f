/* The proposal form (templates/contracts/contract_propose.html), enhanced. The page works without this file:
 * rows are added and removed by the server, and every limit field is shown.
 *
 * - the limit of the work: show only the cap that the chosen kind uses;
 * - fixed price: show what the milestones add up to against the price, as they are typed.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-terms-form]");
  if (!form) {
    return;
  }
  var currency = form.getAttribute("data-currency") || "EUR";
  var digits = 2;
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch (error) {
    digits = 2;
  }

  // "2,800.00", "€2800" -> minor units (integers, to stay off floating-point sums); null when unreadable.
  function parseAmount(text) {
    var cleaned = String(text || "").replace(/[€$£¥₹\s\u00a0,_]/g, "").replace(/^[A-Z]{3}/i, "");
    if (!/^\d+(\.\d+)?$/.test(cleaned)) {
      return null;
    }
    var parts = cleaned.split(".");
    var minor = parseInt(parts[0], 10) * Math.pow(10, digits);
    if (parts[1] && digits > 0) {
      minor += parseInt((parts[1] + "000").slice(0, digits), 10);
    }
    return minor;
  }

  function format(minor) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency }).format(
        minor / Math.pow(10, digits)
      );
    } catch (error) {
      return (minor / Math.pow(10, digits)).toFixed(digits) + " " + currency;
    }
  }

  function showLimits() {
    var chosen = form.querySelector("[data-terms-end-kind] input:checked");
    var kind = chosen ? chosen.value : "date";
    form.querySelectorAll("[data-terms-limit]").forEach(function (group) {
      // A cap the server refused stays in sight, with its message.
      group.hidden = group.getAttribute("data-terms-limit") !== kind && !group.querySelector(".field-invalid");
    });
  }

  var sum = form.querySelector("[data-terms-sum]");
  var price = form.querySelector("[data-terms-price]");

  function showSum() {
    if (!sum || !price) {
      return;
    }
    var total = 0;
    var any = false;
    form.querySelectorAll("[data-milestone-amount]").forEach(function (input) {
      var value = parseAmount(input.value);
      if (value !== null) {
        total += value;
        any = true;
      }
    });
    var target = parseAmount(price.value);
    sum.hidden = !any;
    sum.classList.remove("ms-sum-ok", "ms-sum-off");
    if (target === null) {
      sum.textContent = "Milestones add up to " + format(total) + ".";
    } else if (total === target) {
      sum.textContent = "Milestones add up to the price: " + format(total) + " ✓";
      sum.classList.add("ms-sum-ok");
    } else {
      var gap = target - total;
      sum.textContent =
        "Milestones add up to " + format(total) + ": " + format(Math.abs(gap)) + (gap > 0 ? " short of" : " over") +
        " the price.";
      sum.classList.add("ms-sum-off");
    }
  }

  form.addEventListener("change", showLimits);
  form.addEventListener("input", showSum);
  showLimits();
  showSum();
})();
