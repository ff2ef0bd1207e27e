// The debug toolbar (development only): remembers whether it was left open across pages.
/* global window, document */
(function () {
  var toolbar = document.getElementById('debug-toolbar');
  if (!toolbar) return;
  var key = 'debug-toolbar-open';
  try {
    toolbar.open = window.localStorage.getItem(key) === '1';
    toolbar.addEventListener('toggle', function () {
      window.localStorage.setItem(key, toolbar.open ? '1' : '0');
    });
  } catch {
    // Storage disabled: the toolbar still opens and closes, it just forgets.
  }
})();
