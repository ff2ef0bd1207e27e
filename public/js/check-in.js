// The check-in page without reloads: the Check in / Undo buttons post in the background and update
// their row, and the counts (and rows others check in, on other phones) follow the live stream.
// Without JavaScript the forms post and the page comes back with the same search.
(function () {
  var root = document.getElementById('check-in');
  if (!root || !window.fetch) return;
  var progress = document.getElementById('door-progress');
  var status = root.querySelector('.door-counts');

  function setCounts(counts) {
    root.querySelector('[data-count="checkedIn"]').textContent = counts.checkedIn;
    root.querySelector('[data-count="going"]').textContent = counts.going;
    progress.max = counts.going;
    progress.value = counts.checkedIn;
    progress.textContent = counts.checkedIn + ' / ' + counts.going;
  }

  function setRow(rsvpId, checkedInAt, text) {
    var row = document.getElementById('rsvp-' + rsvpId);
    if (!row) return;
    row.dataset.checkedIn = checkedInAt ? 'true' : 'false';
    row.querySelector('[data-door="check-in"]').hidden = Boolean(checkedInAt);
    row.querySelector('[data-door="undo"]').hidden = !checkedInAt;
    var cell = row.querySelector('[data-field="checked-in-at"]');
    cell.textContent = '';
    if (!checkedInAt) {
      cell.textContent = '—';
      return;
    }
    var badge = document.createElement('span');
    badge.className = 'badge badge-on';
    // The badge's text in the page's language (the template's {{t}}).
    badge.textContent = root.dataset.badgeIn;
    var time = document.createElement('time');
    time.dateTime = checkedInAt;
    time.textContent =
      text ||
      new Date(checkedInAt).toLocaleTimeString(document.documentElement.lang || [], {
        hour: '2-digit',
        minute: '2-digit',
      });
    cell.append(badge, ' ', time);
  }

  root.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.dataset.door) return;
    event.preventDefault();
    var button = form.querySelector('button');
    button.disabled = true;
    fetch(form.action, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)),
      credentials: 'same-origin',
    })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(function (result) {
        setRow(result.attendee.rsvpId, result.attendee.checkedInIso, result.attendee.checkedInText);
        setCounts(result.counts);
        status.dataset.message = result.message;
        var next = form.parentNode.querySelector('form:not([hidden]) button');
        if (next) next.focus();
      })
      .catch(function () {
        // Let the browser do it the plain way: the page reloads with the outcome.
        form.submit();
      })
      .finally(function () {
        button.disabled = false;
      });
  });

  if (!root.dataset.live || !window.EventSource) return;
  var source = new EventSource(root.dataset.live);
  source.addEventListener('attendance', function (message) {
    var update = JSON.parse(message.data);
    // The first message comes once the server listens: from then on no change is missed.
    root.dataset.liveState = 'open';
    setCounts(update);
    if (update.changed) setRow(update.changed.rsvpId, update.changed.checkedInAt, null);
  });
})();
