// Minimal piiri client: joins the room named in the link, publishes camera
// and microphone, and shows everyone else. Protocol: signaling/PROTOCOL.md.
const params = new URLSearchParams(location.search);
const room = params.get('room') || 'lobby';
const key = new URLSearchParams(location.hash.slice(1)).get('key') || '';
const $ = (id) => document.getElementById(id);
const status = (text) => { $('status').textContent = text; };

let ws, pub, sub, nextId = 1;
// For debugging from the console and for the end-to-end tests' getStats().
window.piiri = { get pub() { return pub; }, get sub() { return sub; } };
const pending = new Map();
const names = new Map();

function send(msg) { ws.send(JSON.stringify(msg)); }
function request(msg) {
  msg.id = String(nextId++);
  return new Promise((resolve, reject) => { pending.set(msg.id, { resolve, reject }); send(msg); });
}

function tileFor(id, name, self) {
  let fig = document.querySelector(`figure[data-id="${CSS.escape(id)}"]`);
  if (!fig) {
    fig = document.createElement('figure');
    fig.dataset.id = id;
    if (self) fig.className = 'self';
    const video = document.createElement('video');
    video.autoplay = true; video.playsInline = true; video.muted = self;
    const cap = document.createElement('figcaption');
    fig.append(video, cap);
    $('tiles').append(fig);
  }
  fig.querySelector('figcaption').textContent = name || names.get(id) || '';
  return fig;
}

async function onMessage(msg) {
  if (msg.id && pending.has(msg.id)) {
    const p = pending.get(msg.id); pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new Error(`${msg.code}: ${msg.message}`)); else p.resolve(msg);
  }
  switch (msg.type) {
    case 'offer': {
      await sub.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
      await sub.setLocalDescription();
      send({ type: 'answer', target: 'subscriber', sdp: sub.localDescription.sdp });
      break;
    }
    case 'answer':
      await pub.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
      break;
    case 'candidate': {
      const pc = msg.target === 'publisher' ? pub : sub;
      await pc.addIceCandidate(msg.candidate).catch((e) => console.warn('candidate', e));
      break;
    }
    case 'participant_joined': names.set(msg.participant.id, msg.participant.name); break;
    case 'participant_left':
      document.querySelector(`figure[data-id="${CSS.escape(msg.participantId)}"]`)?.remove();
      break;
    case 'error': if (!msg.id) console.warn('server error', msg.code, msg.message); break;
    case 'bye': status(`Disconnected: ${msg.reason}`); break;
  }
}

async function join(name) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  ws = new WebSocket(`${proto}//${location.host}/ws`);
  let chain = Promise.resolve();
  ws.onmessage = (e) => { const msg = JSON.parse(e.data); chain = chain.then(() => onMessage(msg)).catch(console.error); };
  ws.onclose = () => status('Connection closed.');
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const joined = await request({ type: 'join', version: 1, room, name, key });
  for (const p of joined.room.participants) names.set(p.id, p.name);
  const config = { iceServers: joined.iceServers, bundlePolicy: 'max-bundle' };
  sub = new RTCPeerConnection(config);
  pub = new RTCPeerConnection(config);
  for (const [pc, target] of [[pub, 'publisher'], [sub, 'subscriber']]) {
    pc.onicecandidate = (e) => { if (e.candidate) send({ type: 'candidate', target, candidate: e.candidate.toJSON() }); };
  }
  sub.ontrack = (e) => {
    const id = e.streams[0]?.id;
    if (!id) return;
    const video = tileFor(id).querySelector('video');
    if (!video.srcObject) video.srcObject = new MediaStream();
    video.srcObject.addTrack(e.track);
  };
  let media;
  try {
    media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  } catch (err) {
    status(`No camera or microphone (${err.name}); you can still listen.`);
  }
  if (media) {
    tileFor('self', `${name} (you)`, true).querySelector('video').srcObject = media;
    for (const track of media.getTracks()) pub.addTransceiver(track, { direction: 'sendonly', streams: [media] });
    await pub.setLocalDescription();
    await request({ type: 'offer', target: 'publisher', sdp: pub.localDescription.sdp });
  }
  status(`In room ${room}.`);
  $('join').hidden = true;
  $('leave').hidden = false;
}

$('join').addEventListener('submit', (e) => {
  e.preventDefault();
  $('join-button').disabled = true;
  join($('name').value.trim()).catch((err) => { status(`Could not join: ${err.message}`); $('join-button').disabled = false; });
});
$('leave').addEventListener('click', () => { send({ type: 'leave' }); pub?.close(); sub?.close(); $('tiles').replaceChildren(); $('leave').hidden = true; });
