// piiri browser client: the entry point. It reads the room link, runs the
// pre-join page, and hands over to the meeting. No build step; standard
// APIs only, so every current browser runs it as it is.
import { apply, has, lang, setLang, t } from './i18n.js';
import { checkNetwork } from './netcheck.js';
import { Prejoin } from './prejoin.js';
import { RoomView } from './room.js';
import { ENDED_REASONS, Session } from './session.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const room = params.get('room') || '';
// The room key travels in the fragment, which browsers never send to the server.
const key = new URLSearchParams(location.hash.slice(1)).get('key') || '';
const NAME_KEY = 'piiri.name';

// For the console and for the end-to-end tests, which read getStats() from
// the session's peer connections and the join-to-first-frame timing.
window.piiri = { timing: {}, session: null, statusLog: [] };

function init() {
  apply(document);
  document.title = t('prejoin.title');
  $('lang').value = lang();
  $('lang').addEventListener('change', (e) => {
    setLang(e.target.value);
    document.title = t($('room').hidden ? 'prejoin.title' : 'room.title');
    renderRoomLabel();
  });
  renderRoomLabel();
  const message = $('device-message');
  if (!room) {
    message.textContent = t('prejoin.noRoom');
    message.classList.add('problem');
    $('join-button').disabled = true;
    return;
  }
  if (!window.RTCPeerConnection || !navigator.mediaDevices?.getUserMedia) {
    message.textContent = t('prejoin.unsupported');
    message.classList.add('problem');
    $('join-button').disabled = true;
    return;
  }
  try { $('name').value = localStorage.getItem(NAME_KEY) || ''; } catch { /* private mode */ }
  const prejoin = new Prejoin(document);
  prejoin.start();
  showNetwork();
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    join(prejoin);
  });
  // Leaving the page leaves the meeting at once: the others do not wait
  // out the resume grace period for someone who is not coming back.
  addEventListener('pagehide', () => window.piiri.session?.leave());
  // A page restored from the back-forward cache has left: start again.
  addEventListener('pageshow', (e) => { if (e.persisted && window.piiri.session) location.reload(); });
}

// showNetwork runs the network check beside the device check; joining
// does not wait for it.
async function showNetwork() {
  const el = $('net-status');
  const result = await checkNetwork(key);
  el.dataset.result = result;
  el.dataset.i18n = `net.${result}`;
  el.textContent = t(el.dataset.i18n);
  el.classList.toggle('problem', result === 'blocked');
}

function renderRoomLabel() {
  $('room-label').textContent = room ? t('prejoin.room', { room }) : '';
}

async function join(prejoin) {
  const name = $('name').value.trim();
  if (!name) {
    $('name').setAttribute('aria-invalid', 'true');
    $('name').focus();
    return;
  }
  $('name').removeAttribute('aria-invalid');
  try { localStorage.setItem(NAME_KEY, name); } catch { /* private mode */ }
  const button = $('join-button');
  button.disabled = true;
  button.textContent = t('prejoin.joining');
  window.piiri.timing.joinClicked = performance.now();

  const local = await prejoin.finish();
  const session = new Session({ room, key, name, audioMuted: !local.micOn, videoMuted: !local.cameraOn });
  window.piiri.session = session;
  session.addEventListener('status', (e) => window.piiri.statusLog.push(e.detail.state));
  try {
    await session.join();
  } catch (err) {
    console.warn('piiri: join', err.code, err.message);
    session.teardown();
    button.disabled = false;
    button.textContent = t('prejoin.join');
    // In the person's language, by code; the server's message is English
    // and meant for developers.
    const message = $('device-message');
    message.textContent = t(has(`error.${err.code}`) ? `error.${err.code}` : 'error.generic');
    message.classList.add('problem');
    prejoin.startMeter();
    return;
  }
  $('prejoin').hidden = true;
  $('room').hidden = false;
  document.body.classList.add('in-room');
  const view = new RoomView(document, session, local, { onEnded: ended });
  view.start();
  // The microphone button is disabled without a microphone.
  [...document.querySelectorAll('#room .controls button')].find((b) => !b.disabled && !b.hidden)?.focus();
  await session.publish({ mic: local.mic, camera: local.camera }).catch((err) => console.warn('piiri: publish', err));
}

function ended(reason) {
  $('room').hidden = true;
  $('ended').hidden = false;
  document.body.classList.remove('in-room');
  $('ended-reason').textContent = t(`ended.${ENDED_REASONS.includes(reason) ? reason : 'left'}`);
  $('rejoin').onclick = () => location.reload();
  $('rejoin').focus();
}

init();
