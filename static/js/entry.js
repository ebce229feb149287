// The entry form: while one types, show each measure's new installs and rate.
// The server computes the same again on submit; this is only a preview.
(function () {
  "use strict";

  // A count as typed, read as validation.parse_count reads it: full-width forms to
  // ASCII, thousands separators only between groups of three, ASCII digits only.
  function parseCount(text) {
    var normal = String(text)
      .replace(/[\uFF01-\uFF5E]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/\u3000/g, " ")
      .trim();
    if (!/^\+?(\d+|\d{1,3}(,\d{3})+|\d{1,3}( \d{3})+)$/.test(normal)) { return null; }
    var value = parseInt(normal.replace(/[+, ]/g, ""), 10);
    return value <= 100000000 ? value : null;
  }

  // rules.rate_text in integers: one decimal, half-up on the exact fraction.
  function rateText(installed, households) {
    if (households <= 0) { return ""; }
    var scaled = installed * 1000;
    var tenths = Math.floor(scaled / households);
    var remainder = scaled - tenths * households;
    if (2 * remainder >= households) { tenths += 1; }
    return Math.floor(tenths / 10) + "." + (tenths % 10) + "%";
  }

  function update(card) {
    var households = parseCount(card.querySelector("[data-field=households]").value);
    var installed = parseCount(card.querySelector("[data-field=installed]").value);
    var previous = card.dataset.previousInstalled;
    var newCell = card.querySelector("[data-new]");
    var rateCell = card.querySelector("[data-rate]");
    newCell.textContent = installed !== null && previous !== undefined
      ? String(installed - parseInt(previous, 10)) : "—";
    rateCell.textContent = installed !== null && households !== null
      ? (rateText(installed, households) || "—") : "—";
    card.classList.toggle("installed-above-households",
      installed !== null && households !== null && installed > households);
  }

  document.querySelectorAll("[data-entry-form] [data-measure]").forEach(function (card) {
    card.addEventListener("input", function () { update(card); });
  });
})();
