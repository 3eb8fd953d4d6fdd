/**
 * The built-in page's sign-in and passkey part: sign in with a passkey (a button, and autofill where the
 * browser offers conditional mediation), with a password (then the passkey as second factor when the
 * account has one), offer to create a passkey after a password sign-in, and manage the passkeys: confirm
 * it's you (elevation), remove one. Vanilla script, served as a file (the page's CSP allows no inline script).
 */
export const PASSKEY_HTML = `<section id="account-area" hidden>
<form id="signin-form" aria-label="Sign in"><div id="signin">
<h2>Sign in</h2>
<label for="signin-email">Email</label>
<input id="signin-email" name="email" type="email" autocomplete="username webauthn" required>
<label for="signin-password">Password</label>
<input id="signin-password" name="password" type="password" autocomplete="current-password webauthn">
<button type="submit">Sign in</button>
<button type="button" id="passkey-signin">Sign in with a passkey</button>
<p id="signin-result" class="problem" hidden></p>
</div></form>
<div id="second-factor" hidden>
<p>This account has a passkey: use it to finish signing in.</p>
<button type="button" id="second-factor-go">Use my passkey</button>
<p id="second-factor-result" class="problem" hidden></p>
</div>
<div id="account" hidden>
<p id="account-who"></p>
<div id="offer" hidden>
<p>Sign in faster next time: create a passkey for this account on this device.</p>
</div>
<button type="button" id="create-passkey">Create a passkey</button>
<button type="button" id="elevate">Confirm it's you with a passkey</button>
<p id="account-result" hidden></p>
<h2>Your passkeys</h2>
<ul id="passkey-list"></ul>
</div>
</section>
`;

export const PASSKEY_SCRIPT = `'use strict';
(function () {
  var area = document.getElementById('account-area');
  if (!area || !window.PublicKeyCredential || document.body.getAttribute('data-passkeys') !== 'true') return;
  var params = new URLSearchParams(location.search);
  if (params.get('action') || params.get('error') || params.get('refresh_token')) return;
  area.hidden = false;
  var api = document.body.getAttribute('data-api');
  var session = null;
  var conditional = null;
  var $ = function (id) { return document.getElementById(id); };
  var say = function (id, text) { var el = $(id); el.textContent = text; el.hidden = !text; };
  var enc = function (buf) {
    var s = ''; new Uint8Array(buf).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  };
  var dec = function (s) {
    var b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    return Uint8Array.from(b, function (c) { return c.charCodeAt(0); });
  };
  var call = function (method, path, body) {
    var headers = body === undefined ? {} : { 'content-type': 'application/json' };
    if (session) headers.authorization = 'Bearer ' + session.jwt_token;
    var payload = body === undefined ? undefined : JSON.stringify(body);
    return fetch(api + path, { method: method, headers: headers, body: payload })
      .then(function (res) {
        if (res.status === 204) return null;
        return res.json().then(function (data) {
          if (!res.ok) { var e = new Error(data.message || 'Failed'); e.code = data.code; throw e; }
          return data;
        });
      });
  };
  var descriptor = function (c) { return Object.assign({}, c, { id: dec(c.id) }); };
  var requestOptions = function (o) {
    var pk = Object.assign({}, o, { challenge: dec(o.challenge) });
    if (o.allowCredentials) pk.allowCredentials = o.allowCredentials.map(descriptor);
    return pk;
  };
  var assertionJSON = function (c) {
    return { id: c.id, rawId: enc(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults(), response: {
        clientDataJSON: enc(c.response.clientDataJSON), authenticatorData: enc(c.response.authenticatorData),
        signature: enc(c.response.signature),
        userHandle: c.response.userHandle ? enc(c.response.userHandle) : undefined } };
  };
  var getAssertion = function (options, mediation, signal) {
    return navigator.credentials.get({ publicKey: requestOptions(options), mediation: mediation, signal: signal })
      .then(assertionJSON);
  };
  var stopConditional = function () { if (conditional) { conditional.abort(); conditional = null; } };

  var signedIn = function (reply, offer) {
    stopConditional();
    session = reply;
    $('signin').hidden = true; $('second-factor').hidden = true; $('account').hidden = false;
    $('account-who').textContent = 'Signed in as ' + reply.user.email + '.';
    return listPasskeys().then(function (list) { $('offer').hidden = !(offer && list.length === 0); });
  };
  var listPasskeys = function () {
    return call('GET', '/webauthn/passkeys').then(function (list) {
      var ul = $('passkey-list'); ul.textContent = '';
      list.forEach(function (p) {
        var li = document.createElement('li');
        li.textContent = (p.nickname || 'Passkey') + ' (added ' + new Date(p.created_at).toLocaleDateString() + ') ';
        var remove = document.createElement('button');
        remove.type = 'button'; remove.textContent = 'Remove';
        remove.setAttribute('aria-label', 'Remove ' + (p.nickname || 'passkey'));
        remove.addEventListener('click', function () { removePasskey(p, false); });
        li.appendChild(remove); ul.appendChild(li);
      });
      if (!list.length) {
        var none = document.createElement('li'); none.textContent = 'None yet.'; ul.appendChild(none);
      }
      return list;
    });
  };
  var removePasskey = function (p, confirmed) {
    var url = '/webauthn/passkeys/' + p.id + (confirmed ? '?confirm=true' : '');
    call('DELETE', url).then(listPasskeys).then(function () {
      say('account-result', 'The passkey was removed.');
    }).catch(function (e) {
      if (e.code === 'last-sign-in-method' && window.confirm(e.message)) return removePasskey(p, true);
      say('account-result', e.message);
    });
  };

  var passkeySignIn = function (mediation, signal) {
    return call('POST', '/webauthn/login/options', {})
      .then(function (o) { return getAssertion(o, mediation, signal); })
      .then(function (credential) { return call('POST', '/webauthn/login/verify', { credential: credential }); })
      .then(function (reply) { return signedIn(reply, false); });
  };
  var startConditional = function () {
    if (!PublicKeyCredential.isConditionalMediationAvailable) return;
    PublicKeyCredential.isConditionalMediationAvailable().then(function (yes) {
      if (!yes) return;
      conditional = new AbortController();
      passkeySignIn('conditional', conditional.signal).catch(function (e) {
        if (e.name !== 'AbortError') say('signin-result', e.message);
      });
    });
  };

  $('passkey-signin').addEventListener('click', function () {
    stopConditional();
    say('signin-result', '');
    passkeySignIn(undefined).catch(function (e) { say('signin-result', e.message); startConditional(); });
  });
  $('signin-form').addEventListener('submit', function (event) {
    event.preventDefault();
    say('signin-result', '');
    call('POST', '/login', { email: $('signin-email').value, password: $('signin-password').value })
      .then(function (reply) {
        if (!reply.mfa) return signedIn(reply, true);
        if (!reply.methods || reply.methods.indexOf('webauthn') < 0)
          return say('signin-result', 'Finish signing in with a code from your authenticator app in your application.');
        stopConditional();
        $('signin').hidden = true; $('second-factor').hidden = false;
        $('second-factor-go').onclick = function () {
          call('POST', '/webauthn/second-factor/options', { ticket: reply.ticket })
            .then(function (o) { return getAssertion(o); })
            .then(function (credential) {
              return call('POST', '/webauthn/second-factor/verify', { ticket: reply.ticket, credential: credential });
            })
            .then(function (r) { return signedIn(r, false); })
            .catch(function (e) { say('second-factor-result', e.message); });
        };
      })
      .catch(function (e) { say('signin-result', e.message); });
  });
  $('create-passkey').addEventListener('click', function () {
    call('POST', '/webauthn/register/options').then(function (o) {
      var pk = Object.assign({}, o, { challenge: dec(o.challenge),
        user: Object.assign({}, o.user, { id: dec(o.user.id) }),
        excludeCredentials: (o.excludeCredentials || []).map(descriptor) });
      return navigator.credentials.create({ publicKey: pk });
    }).then(function (c) {
      var credential = { id: c.id, rawId: enc(c.rawId), type: c.type,
        authenticatorAttachment: c.authenticatorAttachment || undefined,
        clientExtensionResults: c.getClientExtensionResults(), response: {
          clientDataJSON: enc(c.response.clientDataJSON), attestationObject: enc(c.response.attestationObject),
          transports: c.response.getTransports ? c.response.getTransports() : [] } };
      var nickname = 'Passkey on ' + (navigator.platform || 'this device');
      return call('POST', '/webauthn/register/verify', { credential: credential, nickname: nickname });
    }).then(listPasskeys).then(function () {
      $('offer').hidden = true; say('account-result', 'Your passkey was created.');
    }).catch(function (e) {
      var stale = e.code === 'reauthentication-required';
      say('account-result', stale ? 'Confirm it\\'s you first, then create the passkey.' : e.message);
    });
  });
  $('elevate').addEventListener('click', function () {
    call('POST', '/webauthn/elevate/options')
      .then(function (o) { return getAssertion(o); })
      .then(function (credential) { return call('POST', '/webauthn/elevate/verify', { credential: credential }); })
      .then(function () { say('account-result', 'Confirmed: you can change sensitive settings for a while.'); })
      .catch(function (e) { say('account-result', e.message); });
  });
  startConditional();
})();
`;
