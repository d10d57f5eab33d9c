// The console's user page, kept current while an enrollment or a reset is under way: it polls the page's JSON
// status every 2 seconds and rewrites the standing, the buttons and the timeline in place, then stops.
// Served as a file: the console's CSP allows only this origin's scripts, never inline ones.
(function () {
  'use strict';
  var root = document.getElementById('user-live');
  if (!root) return;
  var url = root.getAttribute('data-status-url');
  var POLL_MS = 2000;

  function set(key, text) {
    var node = document.querySelector('[data-live="' + key + '"]');
    if (node) node.textContent = text;
    return node;
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function renderTimeline(steps) {
    var list = document.getElementById('timeline');
    if (!list) return;
    list.textContent = '';
    steps.forEach(function (step) {
      var item = element('li');
      item.setAttribute('data-kind', step.kind);
      item.appendChild(element('time', step.when));
      var body = element('div');
      body.appendChild(element('strong', step.label));
      body.appendChild(document.createTextNode(' '));
      body.appendChild(element('span', 'by ' + step.actor, 'who'));
      if (step.workflowUrl) {
        body.appendChild(document.createTextNode(' · '));
        var link = element('a', 'workflow ↗');
        link.href = step.workflowUrl;
        link.target = '_blank';
        link.rel = 'noopener';
        body.appendChild(link);
      }
      item.appendChild(body);
      list.appendChild(item);
    });
  }

  function render(view) {
    var status = set('status', view.user.statusLabel);
    if (status) status.className = 'pill' + (view.live ? ' live' : '');
    set('method', view.user.methodLabel);
    set('enrolled', view.user.enrolledText || 'not yet');
    set('reset', view.reset ? view.reset.label + ' · ' + view.reset.at : 'none');
    var lockout = document.querySelector('[data-live="lockout"]');
    if (lockout) {
      lockout.textContent = '';
      if (view.lockout) lockout.appendChild(element('span', 'since ' + view.lockout.since, 'bad'));
      else lockout.textContent = 'no';
    }
    Object.keys(view.actions).forEach(function (name) {
      var target = document.querySelector('[data-action="' + (name === 'any' ? 'none' : name) + '"]');
      if (target) target.hidden = name === 'any' ? view.actions.any : !view.actions[name];
    });
    var watching = document.querySelector('[data-live="watching"]');
    if (watching) watching.hidden = !view.live;
    root.setAttribute('data-live', String(view.live));
    renderTimeline(view.timeline);
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        // A session that ended sends the next page view to sign in; polling stops here.
        if (!response.ok) throw new Error('status ' + response.status);
        return response.json();
      })
      .then(function (view) {
        render(view);
        if (view.live) setTimeout(poll, POLL_MS);
      })
      .catch(function () {
        var watching = document.querySelector('[data-live="watching"]');
        if (watching) watching.textContent = '● not updating: reload the page';
      });
  }

  if (root.getAttribute('data-live') === 'true') setTimeout(poll, POLL_MS);
})();
