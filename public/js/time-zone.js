// A new event form starts in the visitor's own time zone when the browser says which it is (the
// server cannot know it; without JavaScript the form stays on UTC, which the person can change).
(function () {
  var select = document.querySelector('select[data-suggest-browser-zone]');
  if (!select || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
