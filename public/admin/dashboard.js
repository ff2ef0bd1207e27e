/* global Chart, getComputedStyle */
// Draws the admin index's charts with Chart.js (served from /static/vendor/chart.js/, no CDN).
// Each canvas carries its figures as JSON in data-chart; the same figures are in the table below
// it, which is the chart's text alternative and all there is without scripts.
document.addEventListener('DOMContentLoaded', () => {
  if (typeof Chart === 'undefined') return;
  const styles = getComputedStyle(document.documentElement);
  const text = styles.getPropertyValue('--pico-color').trim() || '#333';
  const grid = styles.getPropertyValue('--pico-muted-border-color').trim() || 'rgba(128,128,128,0.2)';
  // Distinguishable for common colour blindness (Okabe–Ito).
  const palette = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9'];
  const byLabel = { sent: '#009E73', failed: '#D55E00', queued: '#56B4E9', sending: '#E69F00' };
  Chart.defaults.color = text;
  Chart.defaults.borderColor = grid;
  Chart.defaults.font.family = styles.getPropertyValue('--pico-font-family').trim() || undefined;
  for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
    const { kind, labels, series } = JSON.parse(canvas.dataset.chart);
    const horizontal = kind === 'horizontal-bar';
    const stacked = kind !== 'line';
    const chart = new Chart(canvas, {
      type: kind === 'line' ? 'line' : 'bar',
      data: {
        // Days as "Nov 3": the year and the weekday are in the table.
        labels: kind === 'horizontal-bar' ? labels : labels.map((day) => shortDay(day)),
        datasets: series.map((s, index) => {
          // `key`: the status the series counts (its label is translated).
          const color = byLabel[s.key || s.label] || palette[index % palette.length];
          return {
            label: s.label,
            data: s.values,
            borderColor: color,
            backgroundColor: kind === 'line' ? color + '33' : color,
            fill: kind === 'line',
            tension: 0.25,
            pointRadius: 2,
          };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: horizontal ? 'y' : 'x',
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom' } },
        scales: {
          x: { stacked, beginAtZero: true, ticks: { maxRotation: 0, autoSkip: true, precision: 0 } },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    canvas.dataset.rendered = String(chart.data.datasets.length);
  }
});

function shortDay(day) {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString(document.documentElement.lang || 'en', {
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}
