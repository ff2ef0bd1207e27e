// Passkeys need JavaScript (the WebAuthn API has no HTML form): every form marked
// data-passkey="register" or "authenticate" stays hidden without it (a data-passkey-unsupported
// message shows instead, hidden here once passkeys work), and with it gets its button
// wired: fetch fresh options from data-options (a POST with the form's CSRF token), let the
// browser create or use a passkey (@simplewebauthn/browser, served from /static/vendor/), put its
// answer in the form's hidden "credential" field and submit the form like any other.
(function () {
  var webauthn = window.SimpleWebAuthnBrowser;
  var forms = document.querySelectorAll('form[data-passkey]');
  if (!forms.length || !webauthn || !webauthn.browserSupportsWebAuthn()) return;

  // The texts, in the page's language: data attributes of this script's tag
  // (views/partials/passkey-scripts.hbs, the only page part that loads it).
  var text = document.querySelector('script[data-passkey-messages]').dataset;
  var messages = {
    NotAllowedError: text.notAllowed,
    InvalidStateError: text.invalidState,
    SecurityError: text.security,
    Throttled: text.throttled,
  };

  Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-unsupported]'), function (note) {
    note.hidden = true;
  });
  Array.prototype.forEach.call(forms, function (form) {
    var button = form.querySelector('[data-passkey-start]');
    var error = form.querySelector('[data-passkey-error]');
    var credential = form.querySelector('input[name="credential"]');
    form.hidden = false;

    function fail(text) {
      button.removeAttribute('aria-busy');
      button.disabled = false;
      error.textContent = text;
      error.hidden = false;
    }

    button.addEventListener('click', function () {
      if (!form.reportValidity()) return;
      error.hidden = true;
      button.disabled = true;
      button.setAttribute('aria-busy', 'true');
      fetch(form.getAttribute('data-options'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          Accept: 'application/json',
          'X-CSRF-Token': form.querySelector('input[name="_csrf"]').value,
        },
      })
        .then(function (response) {
          if (response.status === 429) throw { name: 'Throttled' };
          if (!response.ok) throw new Error('options ' + response.status);
          return response.json();
        })
        .then(function (options) {
          return form.getAttribute('data-passkey') === 'register'
            ? webauthn.startRegistration({ optionsJSON: options })
            : webauthn.startAuthentication({ optionsJSON: options });
        })
        .then(function (answer) {
          credential.value = JSON.stringify(answer);
          // Checkboxes of the page's other form ("trust this browser", "remember me") apply too.
          Array.prototype.forEach.call(form.querySelectorAll('input[data-copy-checkbox]'), function (input) {
            var box = document.getElementById(input.getAttribute('data-copy-checkbox'));
            input.disabled = !(box && box.checked);
          });
          form.submit();
        })
        .catch(function (problem) {
          fail(messages[problem && problem.name] || text.failed);
        });
    });
  });
})();
