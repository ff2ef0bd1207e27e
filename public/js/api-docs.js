// Swagger UI at /api/docs: its server picker is a <select> inside an empty <label>, so it has no
// accessible name (axe-core: select-name, critical). Name it once it is rendered.
(function () {
  'use strict';
  function label() {
    var select = document.querySelector('.swagger-ui select#servers');
    if (select && !select.hasAttribute('aria-label')) select.setAttribute('aria-label', 'Server');
  }
  new window.MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
  label();
})();
