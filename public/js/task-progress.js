// Live progress for a task page: listens to the server-sent events stream and updates the bar.
// Without JavaScript the page still shows the state at render time (refresh to update).
(function () {
  var root = document.getElementById('task');
  if (!root || !root.dataset.live || !window.EventSource) return;
  var bar = document.getElementById('task-progress');
  var status = document.getElementById('task-status');
  var download = document.getElementById('task-download');
  var source = new EventSource(root.dataset.live);
  source.addEventListener('progress', function (message) {
    var state = JSON.parse(message.data);
    bar.value = state.progress;
    bar.textContent = state.progress + '%';
    root.dataset.status = state.status;
    // The words, in the page's language, are data attributes of the page (views/tasks/show.hbs).
    var label = root.dataset[state.status] || '';
    if (state.status === 'pending' || state.status === 'running')
      status.textContent = label + ' ' + state.progress + '%';
    if (state.status === 'succeeded') status.textContent = label + ' ' + (state.message || '');
    if (state.status === 'failed') status.textContent = label + ' ' + (state.error || '');
    if (state.downloadUrl) {
      download.querySelector('a').setAttribute('href', state.downloadUrl);
      download.hidden = false;
    }
    if (state.status === 'succeeded' || state.status === 'failed') source.close();
  });
})();
