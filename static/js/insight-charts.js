/*
 * Compact charts drawn by the page itself: a section with data-charts-url asks
 * the server for its figures (installs/charts.py figures_json) once the page
 * has loaded, and draws them with plotly.js from our static files. The ranking
 * page uses this so that its table is served and shown without waiting for charts.
 */
(function () {
  "use strict";

  function draw(section) {
    var grid = section.querySelector(".chart-grid");
    var failed = section.querySelector(".chart-error");
    fetch(section.getAttribute("data-charts-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (payload) {
        payload.charts.forEach(function (chart) {
          // A box of the figure's height: plotly's own wrapper is height:100%.
          var box = document.createElement("div");
          box.className = "chart";
          box.style.height = chart.height + "px";
          var plot = document.createElement("div");
          plot.id = chart.id;
          box.appendChild(plot);
          grid.appendChild(box);
          Plotly.newPlot(plot, chart.figure.data, chart.figure.layout, payload.config);
        });
        section.setAttribute("data-charts-drawn", String(payload.charts.length));
      })
      .catch(function () {
        failed.hidden = false;
      });
  }

  document.querySelectorAll("[data-charts-url]").forEach(draw);
})();
