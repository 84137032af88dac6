/* Statistics dashboards (issue 7): draws the charts from the JSON blocks the page carries
   (Django's json_script: data, never code), submits the period picker when it changes, and prints
   the periodic report. Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var COLOURS = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d", "#d63384"];

  function readData(id) {
    var block = document.getElementById(id);
    if (!block) { return null; }
    try { return JSON.parse(block.textContent); } catch (error) { return null; }
  }

  function drawChart(canvas) {
    if (canvas.dataset.drawn || typeof window.Chart === "undefined") { return; }
    var spec = readData(canvas.dataset.chart);
    if (!spec) { return; }
    canvas.dataset.drawn = "1";
    var line = spec.type === "line";
    var datasets = (spec.datasets || []).map(function (set, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: set.label, data: set.data, borderColor: colour, backgroundColor: line ? colour : colour + "cc",
        spanGaps: true, tension: 0.2, pointRadius: 3
      };
    });
    var suffix = spec.percent ? " %" : "";
    new window.Chart(canvas, {
      type: spec.type === "line" ? "line" : "bar",
      data: { labels: spec.labels || [], datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var value = item.raw === null || item.raw === undefined ? "—" : item.raw + suffix;
                return item.dataset.label + ": " + value;
              }
            }
          }
        },
        scales: spec.horizontal
          ? { x: { beginAtZero: true }, y: { ticks: { autoSkip: false } } }
          : { y: { beginAtZero: true }, x: { ticks: { maxRotation: 60, autoSkip: true } } }
      }
    });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(drawChart);
  }

  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.tagName !== "SELECT") { return; }
    var form = field.closest("form[data-autosubmit]");
    if (form) { form.submit(); }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (button) { event.preventDefault(); window.print(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else {
    drawAll();
  }
  document.body.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
}());
