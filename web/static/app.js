// piiri browser client: the entry point. It reads the link: a room link
// (room name and key) goes to the pre-join page; a personal link (its
// token, moved into the fragment by the server's /g/TOKEN redirect) goes
// to the person's group page first, and from there into the meeting room
// when it is open; the admin link (BASE/admin#TOKEN) goes to the admin
// page. It checks the link and the network, runs the pre-join
// page, and hands over to the meeting. No build step; standard APIs only, so every
// current browser runs it as it is.
import { LANGUAGES, apply, has, init as initI18n, lang, setLang, show } from './i18n.js';
import { askServer, probeServers } from './netcheck.js';
import { ConsentForm } from './consent.js';
import { GroupPage } from './group.js';
import { Prejoin } from './prejoin.js';
import { RoomView } from './room.js';
import { ENDED_REASONS, Session } from './session.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const room = params.get('room') || '';
// The room key and a personal link's token travel in the fragment, which
// browsers never send to the server.
const fragment = new URLSearchParams(location.hash.slice(1));
const key = fragment.get('key') || '';
const linkToken = fragment.get('g') || '';
// The admin page is BASE/admin, with the admin token as the whole
// fragment.
const adminToken = /\/admin$/.test(location.pathname) ? location.hash.slice(1) : '';
const NAME_KEY = 'piiri.name';

// The limits of signaling/PROTOCOL.md ("join"), checked here so that a
// broken link is explained before the person presses Join.
const MAX_ROOM_CHARS = 64;
const MAX_NAME_CHARS = 64;
const MAX_KEY_BYTES = 256;
const CONTROL = /\p{Cc}/u; // what the server calls a control character

// For the console and for the end-to-end tests, which read getStats() from
// the session's peer connections and the join-to-first-frame timing.
// ready is true once the page is set up (Join works, if it can).
window.piiri = { timing: {}, session: null, statusLog: [], ready: false };

let linkProblem = null; // why this link cannot join, as {key, params}
let consent = null; // the consent form of a group's meeting

function init() {
  const menu = $('lang');
  menu.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const o = new Option(name, code);
    o.lang = code;
    return o;
  }));
  menu.value = lang();
  menu.addEventListener('change', (e) => setLang(e.target.value));
  apply(document);
  // Leaving the page leaves the meeting at once: the others do not wait
  // out the resume grace period for someone who is not coming back.
  addEventListener('pagehide', () => window.piiri.session?.leave());
  // A page restored from the back-forward cache has left: start again.
  addEventListener('pageshow', (e) => { if (e.persisted && window.piiri.session) location.reload(); });
  if (/\/admin$/.test(location.pathname)) return initAdmin();
  if (linkToken) return initGroup();
  startPrejoin();
}

// initGroup shows a personal link's group page; its Join opens the
// pre-join page for the open meeting, with the name the group has for
// the person.
async function initGroup() {
  const page = new GroupPage(document, linkToken, {
    onJoin: (meeting, me) => {
      $('group').hidden = true;
      show($('room-label'), meeting.theme ? 'group.meetingTheme' : 'group.meeting', { n: meeting.number, of: meeting.of, theme: meeting.theme || '' });
      const name = $('name');
      name.value = me.person.name;
      name.readOnly = true;
      show($('name-hint'), 'prejoin.nameFromLink');
      consent = new ConsentForm(document, linkToken, meeting.id);
      consent.load().catch((err) => {
        console.warn('piiri: consent', err.code, err.message);
        consent = null;
      });
      startPrejoin();
      $('join-button').focus();
    },
  });
  window.piiri.group = page;
  await page.load();
}

// initAdmin shows the admin page; its code (with manage.js) is fetched
// only for the admin link, so no other page loads it.
async function initAdmin() {
  const { AdminPage } = await import('./admin.js');
  const page = new AdminPage(document, adminToken);
  window.piiri.admin = page;
  await page.load();
}

// startPrejoin shows the pre-join page: devices, the network check and
// Join.
function startPrejoin() {
  $('prejoin').hidden = false;
  if (room) show($('room-label'), 'prejoin.room', { room });
  linkProblem = checkLink();
  if (linkProblem) {
    showJoinMessage(linkProblem.key, linkProblem.params);
    $('join-button').disabled = true;
  }
  // The key and the network are checked even for a broken link: the
  // person can tell whoever sent it what works.
  const checked = checkServer();
  if (linkProblem) return;
  if (!window.RTCPeerConnection || !navigator.mediaDevices?.getUserMedia) {
    showJoinMessage('prejoin.unsupported');
    $('join-button').disabled = true;
    return;
  }
  if (!linkToken) {
    try { $('name').value = localStorage.getItem(NAME_KEY) || ''; } catch { /* private mode */ }
  }
  $('name').addEventListener('input', () => showNameError(null));
  // No camera for a link that cannot join. The answer comes from the
  // server that served the page, so the camera starts a moment later.
  const prejoin = checked.then((status) => {
    if (status === 'unauthorized') return null;
    const p = new Prejoin(document);
    p.start();
    return p;
  });
  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    join(prejoin);
  });
  // Join is disabled in the page until now: pressed before, it would
  // have sent the form off as a plain web form.
  $('join-button').disabled = false;
}

// checkLink says what is wrong with the link's room name or key, if
// anything the server would refuse.
function checkLink() {
  if (linkToken) return null; // the server knows the room and checks the token
  if (!room) return { key: 'prejoin.noRoom' };
  if ([...room].length > MAX_ROOM_CHARS) return { key: 'link.roomTooLong', params: { max: MAX_ROOM_CHARS } };
  if (CONTROL.test(room)) return { key: 'link.roomInvalid' };
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) return { key: 'link.wrongKey' };
  return null;
}

// checkServer asks the server for the network check, which checks the
// room key too, and resolves to the answer's status; the check itself
// then runs beside the device check, and joining does not wait for it.
// Rate limited, it asks again when the server says.
async function checkServer() {
  const answer = await askServer({ key, token: linkToken });
  if (answer.status === 'rate_limited') {
    if (!linkProblem) showJoinMessage('link.rateLimited');
    setTimeout(checkServer, answer.retryAfterMs);
    return answer.status;
  }
  if ($('join-message').dataset.i18n === 'link.rateLimited') showJoinMessage(null);
  if (answer.status === 'unauthorized') {
    if (!linkProblem) {
      linkProblem = { key: linkToken ? 'group.badLink' : key ? 'link.wrongKey' : 'link.noKey' };
      showJoinMessage(linkProblem.key);
      $('join-button').disabled = true;
    }
    // Without the key nothing can be checked; "checking" would never end.
    showNet(null);
    return answer.status;
  }
  if (answer.status === 'ok') probeServers(answer.servers).then(showNet);
  else showNet('unknown');
  return answer.status;
}

function showNet(result) {
  const el = $('net-status');
  el.dataset.result = result || 'none';
  show(el, result && `net.${result}`);
  el.hidden = !result;
  el.classList.toggle('problem', result === 'blocked');
}

// showJoinMessage shows (or, without a key, hides) the red message beside
// the Join button: why joining is not possible or did not work.
function showJoinMessage(msgKey, msgParams) {
  const el = $('join-message');
  show(el, msgKey, msgParams);
  el.hidden = !msgKey;
}

// showNameError shows (or hides) the message on the name field itself.
function showNameError(msgKey) {
  const input = $('name');
  const el = $('name-error');
  show(el, msgKey);
  el.hidden = !msgKey;
  if (msgKey) {
    input.setAttribute('aria-invalid', 'true');
    input.setAttribute('aria-describedby', 'name-error name-hint');
  } else {
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', 'name-hint');
  }
}

// nameProblem checks the name as the server will: trimmed, 1–64
// characters, no control characters.
function nameProblem(name) {
  if (!name) return 'prejoin.nameMissing';
  if ([...name].length > MAX_NAME_CHARS || CONTROL.test(name)) return 'prejoin.nameInvalid';
  return null;
}

async function join(prejoinReady) {
  const prejoin = await prejoinReady;
  if (linkProblem || !prejoin) return;
  const name = $('name').value.trim();
  const problem = nameProblem(name);
  showNameError(problem);
  if (problem) {
    $('name').focus();
    return;
  }
  if (!linkToken) {
    try { localStorage.setItem(NAME_KEY, name); } catch { /* private mode */ }
  }
  const button = $('join-button');
  button.disabled = true;
  show(button, 'prejoin.joining');
  showJoinMessage(null);
  window.piiri.timing.joinClicked = performance.now();

  if (consent?.view) {
    try {
      await consent.save();
    } catch (err) {
      console.warn('piiri: consent', err.code, err.message);
      button.disabled = false;
      show(button, 'prejoin.join');
      if (err.code !== 'consent_changed') showJoinMessage(has(`error.${err.code}`) ? `error.${err.code}` : 'consent.saveFailed');
      $('consent-record').focus();
      return;
    }
  }
  const local = await prejoin.finish();
  const session = new Session({ room, key, link: linkToken, name, audioMuted: !local.micOn, videoMuted: !local.cameraOn });
  window.piiri.session = session;
  session.addEventListener('status', (e) => window.piiri.statusLog.push(e.detail.state));
  try {
    await session.join();
  } catch (err) {
    console.warn('piiri: join', err.code, err.message);
    session.teardown();
    button.disabled = false;
    show(button, 'prejoin.join');
    const why = joinError(err);
    if (why === 'prejoin.nameInvalid') {
      showNameError(why);
      $('name').focus();
    } else {
      showJoinMessage(why);
    }
    prejoin.startMeter();
    return;
  }
  $('prejoin').hidden = true;
  $('room').hidden = false;
  document.body.classList.add('in-room');
  const view = new RoomView(document, session, local, { onEnded: ended, consent: consent?.view || null });
  window.piiri.view = view;
  view.start();
  // The microphone button is disabled without a microphone.
  [...document.querySelectorAll('#room .controls button')].find((b) => !b.disabled && !b.hidden)?.focus();
  await session.publish({ mic: local.mic, camera: local.camera }).catch((err) => console.warn('piiri: publish', err));
}

// joinError is the message key for a failed join, in the person's
// language by code; the server's message is English and meant for
// developers, and only tells which field it did not accept.
function joinError(err) {
  if (err.code === 'unauthorized') return linkToken ? 'group.badLink' : key ? 'link.wrongKey' : 'link.noKey';
  if (err.code === 'invalid_field' && /"room"/.test(err.message)) return 'link.roomInvalid';
  if (err.code === 'invalid_field' && /"name"/.test(err.message)) return 'prejoin.nameInvalid';
  return has(`error.${err.code}`) ? `error.${err.code}` : 'error.generic';
}

function ended(reason) {
  $('room').hidden = true;
  $('ended').hidden = false;
  document.body.classList.remove('in-room');
  show(document.querySelector('title'), 'room.endedTitle');
  show($('ended-reason'), `ended.${ENDED_REASONS.includes(reason) ? reason : 'left'}`);
  $('rejoin').onclick = () => location.reload();
  $('rejoin').focus();
}

await initI18n();
init();
window.piiri.ready = true;
