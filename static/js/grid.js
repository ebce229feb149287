/*
 * The bulk grid: a block pasted from Excel fills the inputs.
 *
 * The same rules as installs.grid.parse_paste on the server (which reads the
 * paste itself when this script does not run): the region's name, slug or alias
 * in the first column, then households and installed per measure (2 columns) or
 * the progress table's 5 columns per measure (only the first two are read);
 * header and total lines are skipped; a line without a tab is split on spaces.
 * All or nothing: when a line cannot be read, nothing is filled in.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("grid-config").textContent);
  var paste = document.getElementById("paste");
  var fillButton = document.getElementById("paste-fill");
  var status = document.getElementById("paste-status");
  var errorList = document.getElementById("paste-errors");
  var measureCount = config.measures.length;

  var lookup = new Map();
  config.regions.forEach(function (region) {
    region.keys.forEach(function (key) { lookup.set(key, region.slug); });
  });
  var totals = new Set(config.totals);

  function nameKey(text) {
    return text.normalize("NFKC").replace(/\s+/g, "").toLowerCase();
  }

  function format(template, params) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return String(params[key]); });
  }

  function split(line) {
    var parts = line.indexOf("\t") >= 0 ? line.split("\t") : line.trim().split(/\s+/);
    // Full-width forms to ASCII, as checks.narrow; not NFKC, which would read ① and ² as 1 and 2.
    return parts.map(function (part) {
      return part
        .replace(/[\uFF01-\uFF5E]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
        .replace(/\u3000/g, " ")
        .trim()
        .replace(/\s+/g, " ");
    });
  }

  function fit(values) {
    var trimmed = values.slice();
    while (trimmed.length && trimmed[trimmed.length - 1] === "") { trimmed.pop(); }
    var candidates = [values, trimmed];
    var widths = [config.pairWidth, config.officialWidth];
    for (var c = 0; c < candidates.length; c++) {
      for (var w = 0; w < widths.length; w++) {
        var width = widths[w];
        var wanted = width * measureCount;
        var found = candidates[c];
        if (found.length === wanted || (width === config.officialWidth && found.length === wanted - 1)) {
          var padded = found.concat(new Array(wanted - found.length).fill(""));
          var cells = [];
          for (var i = 0; i < measureCount; i++) { cells.push([padded[i * width], padded[i * width + 1]]); }
          return cells;
        }
      }
    }
    return null;
  }

  function parse(text) {
    var rows = [];
    var errors = [];
    var seen = new Map();
    text.split(/\r\n|\r|\n/).forEach(function (line, index) {
      var number = index + 1;
      var cells = split(line);
      if (!cells.some(function (cell) { return cell !== ""; })) { return; }
      var first = cells[0];
      var slug = lookup.get(nameKey(first));
      if (slug === undefined) {
        if (totals.has(nameKey(first)) || !/\p{N}/u.test(cells.join(""))) { return; }
        var code = first ? "unknown" : "no_region";
        errors.push(format(config.messages[code], { line: number, name: first }));
        return;
      }
      var label = document.querySelector('tr[data-region="' + CSS.escape(slug) + '"] th').textContent;
      if (seen.has(slug)) {
        errors.push(format(config.messages.twice, { line: number, region: label, first: seen.get(slug) }));
        return;
      }
      seen.set(slug, number);
      var values = fit(cells.slice(1));
      if (values === null) {
        errors.push(format(config.messages.columns, {
          line: number, region: label,
          pairs: config.pairWidth * measureCount, official: config.officialWidth * measureCount,
          count: cells.length - 1
        }));
        return;
      }
      rows.push({ slug: slug, cells: values });
    });
    return { rows: rows, errors: errors };
  }

  function showErrors(errors) {
    errorList.textContent = "";
    errors.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      errorList.appendChild(item);
    });
  }

  function fillIn() {
    if (!paste.value.trim()) { return; }
    var result = parse(paste.value);
    showErrors(result.errors);
    if (result.errors.length) {
      status.textContent = "";
      return;
    }
    result.rows.forEach(function (row) {
      var tr = document.querySelector('tr[data-region="' + CSS.escape(row.slug) + '"]');
      config.measures.forEach(function (measure, i) {
        ["households", "installed"].forEach(function (field, j) {
          var input = tr.querySelector('input[data-measure="' + CSS.escape(measure) + '"][data-field="' + field + '"]');
          input.value = row.cells[i][j];
          input.classList.add("pasted");
        });
      });
      var include = tr.querySelector('.grid-include input[type="checkbox"]');
      if (include) { include.checked = true; }
    });
    // In the inputs now: the server must not paste the same block again.
    paste.value = "";
    status.textContent = format(config.messages.filled, { count: result.rows.length });
  }

  // Typed-over figures of a region not reported yet lose their grey.
  document.querySelectorAll("input.count").forEach(function (input) {
    input.addEventListener("input", function () { input.classList.add("edited"); });
  });

  fillButton.hidden = false;
  fillButton.addEventListener("click", fillIn);
  paste.addEventListener("paste", function () { window.setTimeout(fillIn, 0); });
})();
