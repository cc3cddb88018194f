/* Bid form and comparison enhancements. Every page works without this file:
 * the bid form offers blank milestone rows, and weights are saved by submitting.
 *
 * - milestone rows: add and remove rows, and show whether they add up to the price;
 * - hourly bids: show rate x hours;
 * - comparison weights: show each slider's value and preview the totals live.
 */
(function () {
  "use strict";

  // --- numbers as people type them: "2,800.00", "€2800" -------------------------------------------

  function parseAmount(text) {
    var cleaned = String(text || "").replace(/[€$£¥₹\s\u00a0,_]/g, "").replace(/^(EUR|USD|GBP|CHF)/i, "");
    if (!/^-?\d+(\.\d+)?$/.test(cleaned)) {
      return null;
    }
    // Work in hundredths to stay off floating-point sums.
    var parts = cleaned.split(".");
    var cents = parseInt(parts[0], 10) * 100;
    if (parts[1]) {
      cents += (cleaned[0] === "-" ? -1 : 1) * parseInt((parts[1] + "00").slice(0, 2), 10);
    }
    return cents;
  }

  function formatCents(cents, currency) {
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR" }).format(cents / 100);
    } catch (error) {
      return (cents / 100).toFixed(2) + " " + (currency || "");
    }
  }

  // --- milestone rows -------------------------------------------------------------------------------

  function setUpMilestones(section) {
    var list = section.querySelector("[data-milestone-list]");
    var template = section.querySelector("template[data-milestone-template]");
    var addButton = section.querySelector("[data-milestone-add]");
    var sum = section.querySelector("[data-milestone-sum]");
    var total = section.querySelector("input[name$='-TOTAL_FORMS']");
    var max = section.querySelector("input[name$='-MAX_NUM_FORMS']");
    var form = section.closest("form");
    var price = form ? form.querySelector("input[name='amount']") : null;
    var currency = section.getAttribute("data-currency");
    if (!list || !template || !total) {
      return;
    }

    function visibleRows() {
      return Array.prototype.filter.call(list.querySelectorAll("[data-milestone-row]"), function (row) {
        return !row.hidden;
      });
    }

    function renumber() {
      visibleRows().forEach(function (row, index) {
        var number = row.querySelector("[data-milestone-number]");
        if (number) {
          number.textContent = String(index + 1);
        }
      });
      var rows = visibleRows();
      rows.forEach(function (row) {
        var remove = row.querySelector("[data-milestone-remove]");
        if (remove) {
          remove.hidden = rows.length <= 1;
        }
      });
      if (addButton) {
        addButton.hidden = false;
        addButton.disabled = max && parseInt(total.value, 10) >= parseInt(max.value, 10);
      }
    }

    function updateSum() {
      if (!sum) {
        return;
      }
      var cents = 0;
      var any = false;
      list.querySelectorAll("[data-milestone-amount]").forEach(function (input) {
        var row = input.closest("[data-milestone-row]");
        var value = parseAmount(input.value);
        if (row && !row.hidden && value !== null) {
          cents += value;
          any = true;
        }
      });
      var target = price ? parseAmount(price.value) : null;
      sum.hidden = !any && target === null;
      sum.classList.remove("ms-sum-ok", "ms-sum-off");
      if (target === null) {
        sum.textContent = "Milestones add up to " + formatCents(cents, currency) + ".";
      } else if (cents === target) {
        sum.textContent = "Milestones add up to your price: " + formatCents(cents, currency) + " ✓";
        sum.classList.add("ms-sum-ok");
      } else {
        var gap = target - cents;
        sum.textContent =
          "Milestones add up to " + formatCents(cents, currency) + ": " +
          formatCents(Math.abs(gap), currency) + (gap > 0 ? " short of" : " over") + " your price.";
        sum.classList.add("ms-sum-off");
      }
    }

    // The server's page offers blank rows for browsers without scripting; here rows are added on demand,
    // so blank rows are hidden (they post as blank and are skipped), keeping one when none is filled.
    function trimBlankRows() {
      var rows = visibleRows();
      var filled = rows.filter(function (row) {
        return (
          row.classList.contains("ms-row-invalid") ||
          Array.prototype.some.call(row.querySelectorAll("input"), function (input) {
            return input.value.trim() !== "";
          })
        );
      });
      rows
        .filter(function (row) {
          return filled.indexOf(row) === -1;
        })
        .forEach(function (row, index) {
          row.hidden = filled.length > 0 || index > 0;
        });
    }

    addButton &&
      addButton.addEventListener("click", function () {
        // Reuse a hidden blank row after the last shown one (rows post in page order), else add one.
        var rows = Array.prototype.slice.call(list.querySelectorAll("[data-milestone-row]"));
        var lastShown = -1;
        rows.forEach(function (candidate, position) {
          if (!candidate.hidden) {
            lastShown = position;
          }
        });
        var row = rows[lastShown + 1];
        if (row) {
          row.hidden = false;
        } else {
          var index = parseInt(total.value, 10);
          var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
          var holder = document.createElement("ol");
          holder.innerHTML = html.trim();
          row = holder.firstElementChild;
          list.appendChild(row);
          total.value = String(index + 1);
        }
        renumber();
        var first = row.querySelector("input");
        if (first) {
          first.focus();
        }
      });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-milestone-remove]");
      if (!button) {
        return;
      }
      var row = button.closest("[data-milestone-row]");
      // A cleared row is skipped by the server, so hiding it keeps the numbering of the posted rows.
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
      });
      row.hidden = true;
      renumber();
      updateSum();
      if (addButton) {
        addButton.focus();
      }
    });

    list.addEventListener("input", updateSum);
    if (price) {
      price.addEventListener("input", updateSum);
    }
    trimBlankRows();
    renumber();
    updateSum();
  }

  // --- hourly bids: rate x hours ------------------------------------------------------------------

  function setUpHourlyTotal(output) {
    var form = output.closest("form");
    var rate = form.querySelector("input[name='hourly_rate']");
    var hours = form.querySelector("input[name='estimated_hours']");
    var currency = output.getAttribute("data-currency");
    function update() {
      var cents = parseAmount(rate.value);
      var count = parseInt(hours.value, 10);
      if (cents === null || !(count > 0)) {
        output.hidden = true;
        return;
      }
      output.hidden = false;
      output.innerHTML = "";
      output.appendChild(document.createTextNode("Estimated total: "));
      var strong = document.createElement("strong");
      strong.textContent = formatCents(cents * count, currency);
      output.appendChild(strong);
      output.appendChild(document.createTextNode(" (" + formatCents(cents, currency) + " × " + count + " h)"));
    }
    rate.addEventListener("input", update);
    hours.addEventListener("input", update);
    update();
  }

  // --- comparison weights: live preview -------------------------------------------------------------

  var FACTORS = ["price", "geography", "flexibility", "communication", "reputation"];

  function level(score) {
    if (score >= 70) {
      return "high";
    }
    return score >= 40 ? "mid" : "low";
  }

  function setUpWeights(form) {
    var note = form.querySelector("[data-weights-preview]");
    var columns = document.querySelectorAll("[data-bid-column]");

    function weights() {
      var result = {};
      FACTORS.forEach(function (name) {
        var input = form.querySelector("[data-weight='" + name + "']");
        result[name] = input ? parseInt(input.value, 10) || 0 : 0;
      });
      return result;
    }

    function preview() {
      var chosen = weights();
      FACTORS.forEach(function (name) {
        var output = form.querySelector("[data-weight-output='" + name + "']");
        if (output) {
          output.textContent = String(chosen[name]);
        }
        var label = document.querySelector("[data-weight-label='" + name + "']");
        if (label) {
          label.textContent = chosen[name] ? "weight " + chosen[name] : "ignored";
          label.closest("tr").classList.toggle("cmp-ignored", chosen[name] === 0);
        }
      });
      columns.forEach(function (column) {
        var sum = 0;
        var weightSum = 0;
        FACTORS.forEach(function (name) {
          var raw = column.getAttribute("data-score-" + name);
          if (raw !== "" && raw !== null && chosen[name] > 0) {
            sum += chosen[name] * parseInt(raw, 10);
            weightSum += chosen[name];
          }
        });
        var number = column.querySelector("[data-total]");
        var bar = column.querySelector("[data-total-bar]");
        if (!number || !bar) {
          return;
        }
        bar.className = bar.className.replace(/\b(score-\S+|level-\S+)\b/g, "").trim();
        if (!weightSum) {
          number.textContent = "No total";
          bar.classList.add("score-none");
          return;
        }
        var total = Math.floor(sum / weightSum + 0.5);
        number.textContent = String(total);
        number.className = number.className.replace(/\blevel-\S+\b/g, "").trim() + " level-" + level(total);
        bar.classList.add("score-" + Math.min(100, Math.round(total / 10) * 10), "level-" + level(total));
      });
      if (note) {
        note.hidden = false;
      }
    }

    form.addEventListener("input", function (event) {
      if (event.target.matches("[data-weight]")) {
        preview();
      }
    });
  }

  function start() {
    document.querySelectorAll("[data-milestones]").forEach(setUpMilestones);
    document.querySelectorAll("[data-hourly-total]").forEach(setUpHourlyTotal);
    document.querySelectorAll("[data-weights-form]").forEach(setUpWeights);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
