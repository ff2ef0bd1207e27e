// Event times are printed in the event's own zone (where it happens). A visitor elsewhere also
// gets them in their own zone, next to it: the browser knows its zone, the server does not (and
// the same cached page serves every anonymous visitor). Nothing is added when the two zones show
// the same wall-clock time, or without Intl. The page's script tag says how, in the page's
// language: data-locale (the Intl locale the server formats in) and data-label ("Your time:").
(function () {
  if (!window.Intl || !Intl.DateTimeFormat.prototype.formatToParts) return;
  var script = document.currentScript;
  var locale = (script && script.getAttribute('data-locale')) || 'en-GB';
  var label = (script && script.getAttribute('data-label')) || 'Your time:';
  var viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!viewerZone) return;
  var options = {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  };
  function format(zone) {
    var zoned = {};
    for (var key in options) zoned[key] = options[key];
    zoned.timeZone = zone;
    return new Intl.DateTimeFormat(locale, zoned);
  }
  var mine;
  try {
    mine = format(viewerZone);
  } catch {
    return;
  }
  var elements = document.querySelectorAll('time[data-event-zone]');
  for (var i = 0; i < elements.length; i += 1) {
    var element = elements[i];
    var start = new Date(element.getAttribute('datetime'));
    var endValue = element.getAttribute('data-ends');
    var end = endValue ? new Date(endValue) : null;
    if (isNaN(start.getTime())) continue;
    var theirs;
    try {
      theirs = format(element.getAttribute('data-event-zone'));
    } catch {
      continue;
    }
    // Same wall clock and same offset (e.g. Europe/Paris and Europe/Berlin): nothing to add.
    if (theirs.format(start) === mine.format(start)) continue;
    var text = end && end > start && mine.formatRange ? mine.formatRange(start, end) : mine.format(start);
    var note = document.createElement('small');
    note.className = 'local-time';
    note.setAttribute('data-testid', 'local-time');
    note.textContent = label + ' ' + text;
    // After the zone's name where the page prints one, else right after the time.
    var holder = element.closest('.event-when');
    var after = holder ? holder.lastChild : element;
    after.parentNode.insertBefore(note, after.nextSibling);
    after.parentNode.insertBefore(document.createTextNode(' '), note);
  }
})();
