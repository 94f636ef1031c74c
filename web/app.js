// app.js - the page's entry: sign in (or resume a session), then hand over
// to the cockpit. Chinese by default; the language switch re-draws in place.
import { $ } from './lib/dom.js';
import { api } from './lib/api.js';
import { setupLang } from './lib/i18n.js';
import { startCockpit, stopCockpit, relabel } from './cockpit/cockpit.js';

async function enter() {
  const me = await api('/api/v1/session');
  if (!me.user) return showLogin();
  $('who').textContent = me.user.name;
  $('who').title = me.user.role + (me.user.scope ? ' · ' + me.user.scope : '');
  $('admin-codes').hidden = me.user.role !== 'admin';
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

$('logout').addEventListener('click', async () => {
  await api('/api/v1/logout', { method: 'POST' }).catch(() => {});
  showLogin();
});

setupLang(relabel);
enter().catch((e) => showLogin(e.status === 401 ? '' : e.message));
