// The done page's number match (server/views/done.hbs): polls the pairing state and shows the three choices.
// Served as a same-origin file, since the page's CSP allows no inline script. Without it, the QR code and the
// "open on this phone" link still work; only the match needs it.
(function () {
  'use strict';
  var root = document.getElementById('pairing');
  if (!root) return;
  var sections = {
    waiting: root.querySelector('.waiting'),
    match: root.querySelector('.match'),
    finished: root.querySelector('.finished'),
  };
  var form = root.querySelector('[data-choices]');
  var status = root.querySelector('[data-status]');
  var errorBox = root.querySelector('[data-error]');
  var shownChoices = '';
  var sending = false;
  var timer = null;

  function show(name) {
    Object.keys(sections).forEach(function (key) {
      sections[key].hidden = key !== name;
    });
  }

  function renderChoices(choices) {
    var key = choices.join(',');
    if (key === shownChoices) return;
    shownChoices = key;
    Array.prototype.slice.call(form.querySelectorAll('button')).forEach(function (button) {
      button.remove();
    });
    choices.forEach(function (choice) {
      var button = document.createElement('button');
      button.type = 'submit';
      button.name = 'choice';
      button.value = choice;
      button.textContent = choice;
      button.setAttribute('aria-label', 'My phone shows ' + choice);
      form.appendChild(button);
    });
  }

  function apply(answer) {
    if (answer.state === 'paired') {
      show('finished');
      return false;
    }
    if (answer.state === 'match' && Array.isArray(answer.choices)) {
      renderChoices(answer.choices);
      show('match');
    } else if (answer.state === 'expired') {
      show('waiting');
      status.textContent = 'This code has expired. Reload the page for a new one.';
      return false;
    } else {
      show('waiting');
    }
    return true;
  }

  function poll() {
    fetch(root.dataset.poll, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        return response.ok ? response.json() : { state: 'waiting' };
      })
      .then(function (answer) {
        if (apply(answer)) timer = setTimeout(poll, 1500);
      })
      .catch(function () {
        timer = setTimeout(poll, 3000);
      });
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (sending) return;
    var picked = event.submitter && event.submitter.value;
    if (!picked) return;
    sending = true;
    var body = new URLSearchParams({ _csrf: root.dataset.csrf, choice: picked });
    fetch(root.dataset.match, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body,
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok, answer: answer };
        });
      })
      .then(function (result) {
        sending = false;
        if (result.ok && result.answer.state === 'paired') return apply(result.answer);
        // A wrong pick revokes that phone and spends its code: a fresh page brings a fresh QR code.
        if (result.answer && result.answer.state === 'waiting') return window.location.reload();
        errorBox.hidden = false;
        errorBox.textContent =
          (result.answer && result.answer.error && result.answer.error.message) || 'That did not work. Try again.';
      })
      .catch(function () {
        sending = false;
        errorBox.hidden = false;
        errorBox.textContent = 'We could not reach Latchkey. Check your connection and try again.';
      });
  });

  clearTimeout(timer);
  poll();
})();
