/**
 * The browser side of LTI platform storage (LTI Client Side postMessages,
 * `lti.put_data` / `lti.get_data`): one small script, inlined with a CSP nonce
 * in both pages. It reads its settings from a JSON block (`#lti-storage`), so
 * nothing from a request is ever spliced into script text.
 *
 * Rules it keeps: data goes only to the platform's origin (never `*`); a
 * response counts only from that origin, with our random `message_id` and the
 * expected subject and key; every request has a timeout; no localStorage or
 * sessionStorage (blocked along with cookies in the frames that need this).
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('lti-storage').textContent);
  function show(id) {
    var shown = document.querySelectorAll('[data-step]');
    for (var i = 0; i < shown.length; i++) shown[i].hidden = shown[i].id !== id;
    document.body.setAttribute('data-outcome', id);
  }
  function platformWindow() {
    var up = window.opener || window.parent;
    if (!up || up === window) return null;
    if (cfg.target === '_parent') return up;
    try { return up.frames[cfg.target] || null; } catch (e) { return null; }
  }
  function messageId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function ask(message, done) {
    var frame = platformWindow();
    if (!frame) return done('no_platform');
    var id = messageId();
    var finished = false;
    function finish(problem, data) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      done(problem, data);
    }
    function onMessage(event) {
      if (event.origin !== cfg.platformOrigin) return;
      var data = event.data;
      if (!data || typeof data !== 'object' || data.message_id !== id || data.subject !== message.subject + '.response') return;
      if (data.error) return finish('platform_error');
      if (data.key !== message.key) return finish('wrong_key');
      finish(null, data);
    }
    var timer = setTimeout(function () { finish('timeout'); }, cfg.timeoutMs);
    window.addEventListener('message', onMessage);
    message.message_id = id;
    frame.postMessage(message, cfg.platformOrigin);
  }
  function cookiesKept() {
    var name = 'lti_probe_' + messageId();
    try {
      document.cookie = name + '=1; path=/' + cfg.cookieAttributes;
      var kept = document.cookie.indexOf(name + '=1') !== -1;
      document.cookie = name + '=; path=/; max-age=0' + cfg.cookieAttributes;
      return kept;
    } catch (e) {
      return false;
    }
  }
  if (cfg.mode === 'store') {
    if (cfg.newWindowFirst && !cookiesKept()) return show('blocked');
    ask({ subject: 'lti.put_data', key: cfg.key, value: cfg.value }, function (problem) {
      if (!problem || cookiesKept()) return window.location.replace(cfg.authUrl);
      show('blocked');
    });
  } else {
    ask({ subject: 'lti.get_data', key: cfg.key }, function (problem, data) {
      if (problem || typeof data.value !== 'string' || data.value === '') return show('failed');
      var form = document.getElementById('resume');
      form.elements.lti_storage_binding.value = data.value;
      form.submit();
    });
  }
})();`;
