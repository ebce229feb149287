/*
 * Draws the charts a page carries as data (installs/charts.py figure_html):
 * each <div class="chart" data-chart data-height> holds the plot's div and a
 * <script type="application/json" class="chart-figure"> with the figure and
 * plotly's config. Loaded (deferred) after plotly.js and its zh-CN locale by
 * templates/installs/plotly_scripts.html. No inline script on the page, so
 * the Content-Security-Policy forbids them all.
 */
(function () {
  "use strict";

  document.querySelectorAll(".chart[data-chart]").forEach(function (box) {
    var data = box.querySelector("script.chart-figure");
    var plot = box.querySelector(".plotly-graph-div");
    if (!data || !plot) {
      return;
    }
    var payload = JSON.parse(data.textContent);
    // Heights through the CSSOM, which the policy allows (a style attribute it would not):
    // plotly's wrapper is height:100% and needs a box of the figure's height.
    box.style.height = box.getAttribute("data-height") + "px";
    plot.style.height = "100%";
    plot.style.width = "100%";
    Plotly.newPlot(plot, payload.figure.data, payload.figure.layout, payload.config);
  });
})();
