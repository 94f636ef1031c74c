// app.js - the page's entry: sign in (or resume a session), then hand over
// to the cockpit. Chinese by default; the language switch re-draws in place.
import { $ } from './lib/dom.js';
import { api } from './lib/api.js';
import { setupLang } from './lib/i18n.js';
import { mountNav } from './lib/nav.js';
import { startCockpit, stopCockpit, relabel } from './cockpit/cockpit.js';

async function enter() {
  const me = await api('/api/v1/session');
  if (!me.user) return showLogin();
  // the shared top bar, compact in the stage's header; its language
  // button redraws the cockpit, its sign-out shows the sign-in form
  mountNav($('nav'), me.user, { current: 'cockpit', compact: true, onLang: relabel, afterLogout: () => showLogin() });
  $('login').hidden = true;
  await startCockpit();
}

function showLogin(message = '') {
  stopCockpit();
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login').querySelector('input[name=name]').focus();
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  try {
    await api('/api/v1/login', { json: { name: form.get('name'), password: form.get('password') } });
    await enter();
  } catch (e) {
    showLogin(e.message);
  }
});

setupLang(relabel);
enter().catch((e) => showLogin(e.status === 401 ? '' : e.message));
