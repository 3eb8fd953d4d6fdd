/**
 * The built-in landing page's script and style, served as files so that the page works under a
 * strict Content-Security-Policy (no inline script or style).
 */
export const HOME_SCRIPT = `'use strict';
// Reads the outcome of a link flow from the query (or the fragment) and shows it; the forms post
// JSON to the native API with the ticket from the link.
(function () {
  var params = new URLSearchParams(location.search);
  new URLSearchParams(location.hash.slice(1)).forEach(function (v, k) { params.set(k, v); });
  if (location.hash) history.replaceState(null, '', location.pathname + location.search);
  var show = function (id) { document.getElementById(id).hidden = false; };
  var say = function (id, text) { var el = document.getElementById(id); el.textContent = text; el.hidden = false; };
  var api = document.body.getAttribute('data-api');
  var post = function (path, body, done) {
    fetch(api + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.status === 204 ? done(null) : res.json().then(function (e) { done(e.message || 'Failed'); });
      })
      .catch(function () { done('The server did not answer'); });
  };
  var action = params.get('action');
  var ticket = params.get('ticket');
  if (params.get('error')) say('error', 'The link did not work (' + params.get('error') + '). It may have expired or ' +
      'been used already.');
  else if (params.get('mfa') === 'true') show('mfa');
  else if (params.get('refresh_token')) show('signed-in');
  else if (action === 'reset-password' && ticket) show('reset');
  else if (action === 'change-email' && ticket) show('email');
  else if (action === 'undo-email-change' && ticket) show('undo');
  else show('welcome');
  document.getElementById('reset-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var password = document.getElementById('new-password').value;
    post('/change-password/change', { ticket: ticket, new_password: password }, function (err) {
      if (err) return say('reset-result', err);
      document.getElementById('reset').hidden = true;
      say('result', 'Your password was changed. Sign in with the new one.');
    });
  });
  document.getElementById('email-form').addEventListener('submit', function (event) {
    event.preventDefault();
    post('/change-email/change', { ticket: ticket }, function (err) {
      if (err) return say('email-result', err);
      document.getElementById('email').hidden = true;
      say('result', 'Your email address was changed.');
    });
  });
  document.getElementById('undo-form').addEventListener('submit', function (event) {
    event.preventDefault();
    post('/change-email/undo', { ticket: ticket }, function (err) {
      if (err) return say('undo-result', err);
      document.getElementById('undo').hidden = true;
      say('result', 'Your previous email address is back, and every session was ended. Sign in again.');
    });
  });
})();
`;

export const HOME_STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;
color:#222}
h1{font-size:1.4rem}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;margin:.3rem 0 .8rem}
button{font:inherit;padding:.4rem 1rem}#error,.problem{color:#a00}footer{margin-top:3rem;font-size:.85rem;color:#666}
`;
