// Passkeys on the console pages: the buttons carry data-passkey="add" or "sign-in" and the page's CSRF token.
// Served as a file (the pages' CSP allows only scripts from this origin), beside /app/vendor/simplewebauthn.js.
(function () {
  'use strict';
  var webauthn = window.SimpleWebAuthnBrowser;
  function show(message) {
    var box = document.getElementById('passkey-status');
    if (box) box.textContent = message;
  }
  function post(path, body) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (json) {
        if (!response.ok) throw new Error((json.error && json.error.message) || 'That did not work');
        return json;
      });
    });
  }
  document.querySelectorAll('[data-passkey]').forEach(function (button) {
    button.addEventListener('click', function (event) {
      event.preventDefault();
      var csrf = button.getAttribute('data-csrf');
      var adding = button.getAttribute('data-passkey') === 'add';
      var base = adding ? '/console/passkeys' : '/console/sign-in/passkey';
      show('');
      post(base + '/options', { _csrf: csrf })
        .then(function (options) {
          return adding
            ? webauthn.startRegistration({ optionsJSON: options })
            : webauthn.startAuthentication({ optionsJSON: options });
        })
        .then(function (credential) {
          return post(base, { _csrf: csrf, credential: credential });
        })
        .then(function (answer) {
          window.location.assign(answer.next);
        })
        .catch(function (error) {
          show(
            error && error.name === 'NotAllowedError' ? 'The passkey was not used.' : String(error.message || error),
          );
        });
    });
  });
})();
