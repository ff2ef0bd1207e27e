// A "Print" button where JavaScript runs (without it, the browser's own Print works the same).
(function () {
  var button = document.querySelector('[data-print]');
  if (!button || !window.print) return;
  button.hidden = false;
  button.addEventListener('click', function () {
    window.print();
  });
})();
