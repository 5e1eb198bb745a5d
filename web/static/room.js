// RoomView: the meeting page. A tile per participant (name, microphone-off
// mark, speaking highlight, avatar when the camera is off), a large tile
// per screen share, the controls, and the reconnecting banner. It renders
// what the Session reports and turns button presses into Session calls.
import { t } from './i18n.js';
import { acquire } from './prejoin.js';

const GAP = 8;

export class RoomView {
  constructor(doc, session, local, { onEnded }) {
    this.doc = doc;
    this.session = session;
    this.local = local; // {mic, camera, micOn, cameraOn, cameraDeviceId, speakerId}
    this.onEnded = onEnded;
    this.el = {
      grid: doc.getElementById('grid'),
      stage: doc.getElementById('stage'),
      banner: doc.getElementById('banner'),
      count: doc.getElementById('count'),
      announcer: doc.getElementById('announcer'),
      heading: doc.getElementById('room-heading'),
      mic: doc.getElementById('ctl-mic'),
      camera: doc.getElementById('ctl-camera'),
      screen: doc.getElementById('ctl-screen'),
      leave: doc.getElementById('ctl-leave'),
    };
    this.tiles = new Map(); // participant id (or 'self') -> tile
    this.screens = new Map(); // participant id (or 'self') -> tile
    this.byMid = new Map(); // subscriber mid -> {tile, track}
    this.speaking = new Set();
    this.screenTrack = null;
    this.watched = new WeakSet(); // remote video tracks whose mute events re-render
    this.cameraBusy = false;
  }

  start() {
    const s = this.session;
    this.addTile('self', { self: true });
    this.attachSelf();
    s.addEventListener('participants', () => this.renderParticipants());
    s.addEventListener('track', (e) => this.onTrack(e.detail));
    s.addEventListener('trackremoved', (e) => this.onTrackRemoved(e.detail));
    s.addEventListener('speaking', (e) => this.onSpeaking(e.detail));
    s.addEventListener('joined', (e) => this.announce(t('room.joinedAnnounce', { name: e.detail.participant.name })));
    s.addEventListener('left', (e) => this.announce(t('room.leftAnnounce', { name: e.detail.participant.name })));
    s.addEventListener('status', (e) => this.onStatus(e.detail));
    this.el.mic.addEventListener('click', () => this.toggleMic());
    this.el.camera.addEventListener('click', () => this.toggleCamera());
    this.el.screen.addEventListener('click', () => this.toggleScreen());
    this.el.leave.addEventListener('click', () => this.leave());
    this.el.screen.hidden = !navigator.mediaDevices?.getDisplayMedia;
    this.el.mic.disabled = !this.local.mic;
    document.addEventListener('piiri:lang', () => this.renderText());
    new ResizeObserver(() => this.layout()).observe(this.el.grid);
    this.renderParticipants();
    this.renderControls();
  }

  // --- tiles ----------------------------------------------------------

  addTile(key, { self = false, screen = false } = {}) {
    const fig = this.doc.createElement('figure');
    fig.className = 'tile' + (self ? ' self' : '') + (screen ? ' screen' : '');
    fig.dataset.participant = key;
    const video = this.doc.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = self; // never play your own microphone back
    const avatar = this.doc.createElement('div');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    avatar.append(this.doc.createElement('span'));
    const cap = this.doc.createElement('figcaption');
    const name = this.doc.createElement('span');
    name.className = 'name';
    const micOff = this.doc.createElement('span');
    micOff.className = 'mic-off';
    micOff.setAttribute('role', 'img');
    micOff.innerHTML = '<svg aria-hidden="true" viewBox="0 0 24 24"><use href="#i-mic"/><path class="slash" d="M3 3l18 18"/></svg>';
    cap.append(name, micOff);
    fig.append(video, avatar, cap);
    const tile = { key, fig, video, name, avatar, micOff, stream: new MediaStream(), self, screen };
    video.srcObject = tile.stream;
    if (this.local.speakerId && video.setSinkId) video.setSinkId(this.local.speakerId).catch(() => {});
    (screen ? this.el.stage : this.el.grid).append(fig);
    (screen ? this.screens : this.tiles).set(key, tile);
    return tile;
  }

  removeTile(map, key) {
    const tile = map.get(key);
    if (!tile) return;
    tile.fig.remove();
    map.delete(key);
  }

  attachSelf() {
    const tile = this.tiles.get('self');
    for (const tr of tile.stream.getVideoTracks()) tile.stream.removeTrack(tr);
    if (this.local.camera && this.local.cameraOn) tile.stream.addTrack(this.local.camera);
    tile.video.srcObject = tile.stream;
  }

  renderParticipants() {
    const s = this.session;
    for (const key of [...this.tiles.keys()]) {
      if (key !== 'self' && !s.participants.has(key)) this.removeTile(this.tiles, key);
    }
    for (const key of [...this.screens.keys()]) {
      if (key !== 'self' && !s.participants.has(key)) this.removeTile(this.screens, key);
    }
    for (const p of s.participants.values()) {
      if (!this.tiles.has(p.id)) this.addTile(p.id);
    }
    this.renderText();
    this.layout();
  }

  // renderText writes every visible string and state mark; it runs after
  // changes and when the language changes.
  renderText() {
    const s = this.session;
    document.title = t('room.title');
    this.el.heading.textContent = t('room.heading', { room: s.room });
    for (const [key, tile] of this.tiles) {
      const self = key === 'self';
      const p = self ? { name: s.name, audioMuted: !this.local.micOn, videoMuted: !this.local.cameraOn } : s.participants.get(key);
      if (!p) continue;
      const label = self ? t('room.you', { name: p.name }) : p.name;
      tile.name.textContent = label;
      tile.avatar.firstChild.textContent = initials(p.name);
      // A remote track is muted until its frames arrive: show the avatar
      // until then rather than an empty tile.
      const hasVideo = tile.stream.getVideoTracks().some((tr) => tr.readyState === 'live' && (self || !tr.muted));
      tile.fig.classList.toggle('video-off', p.videoMuted || !hasVideo);
      tile.fig.classList.toggle('audio-muted', !!p.audioMuted);
      tile.micOff.setAttribute('aria-label', t('room.micOff'));
      const speaking = this.speaking.has(self ? s.id : key);
      tile.fig.classList.toggle('speaking', speaking);
      tile.fig.setAttribute('aria-label', [label, p.audioMuted && t('room.micOff'), (p.videoMuted || !hasVideo) && t('room.cameraOff'), speaking && t('room.speaking')].filter(Boolean).join(', '));
    }
    for (const [key, tile] of this.screens) {
      const p = key === 'self' ? null : s.participants.get(key);
      tile.name.textContent = p ? t('room.screenOf', { name: p.name }) : t('room.yourScreen');
      tile.fig.setAttribute('aria-label', tile.name.textContent);
    }
    const n = s.participants.size + 1;
    const count = n === 1 ? t('room.alone') : t('room.count', { n });
    // A live region: rewrite it only when it changes, or screen readers
    // repeat it at every speaking highlight.
    if (this.el.count.textContent !== count) this.el.count.textContent = count;
    if (this.bannerKey) this.el.banner.textContent = t(this.bannerKey);
  }

  onTrack({ mid, participantId, source, track }) {
    // The section may have carried a track before (or fire again for the
    // same one): let go of that first, so that a screen tile it empties
    // is gone before the lookup below, not after it.
    this.onTrackRemoved({ mid });
    const isScreen = source === 'screen' || source === 'screen-audio';
    if (!this.session.participants.has(participantId)) return;
    const map = isScreen ? this.screens : this.tiles;
    const tile = map.get(participantId) || this.addTile(participantId, { screen: isScreen });
    for (const old of (track.kind === 'video' ? tile.stream.getVideoTracks() : tile.stream.getAudioTracks())) tile.stream.removeTrack(old);
    tile.stream.addTrack(track);
    tile.video.srcObject = tile.stream; // re-set: Safari does not always notice added tracks
    tile.video.play?.().catch(() => {});
    this.byMid.set(mid, { tile, track, map });
    if (track.kind === 'video') {
      this.watchFirstFrame(tile.video);
      if (!this.watched.has(track)) {
        this.watched.add(track);
        track.addEventListener('unmute', () => this.renderText());
        track.addEventListener('mute', () => this.renderText());
      }
    }
    this.el.stage.hidden = this.screens.size === 0;
    this.renderText();
    this.layout();
  }

  onTrackRemoved({ mid }) {
    const entry = this.byMid.get(mid);
    if (!entry) return;
    this.byMid.delete(mid);
    entry.tile.stream.removeTrack(entry.track);
    if (entry.tile.screen && entry.tile.stream.getTracks().length === 0) this.removeTile(this.screens, entry.tile.key);
    this.el.stage.hidden = this.screens.size === 0;
    this.renderText();
    this.layout();
  }

  // watchFirstFrame records when the first remote video frame was shown,
  // for the join-to-first-frame figure.
  watchFirstFrame(video) {
    const timing = window.piiri?.timing;
    if (!timing || timing.firstRemoteFrame || !video.requestVideoFrameCallback) return;
    video.requestVideoFrameCallback(() => {
      if (!timing.firstRemoteFrame) timing.firstRemoteFrame = performance.now();
    });
  }

  onSpeaking({ participantId, speaking }) {
    if (speaking) this.speaking.add(participantId); else this.speaking.delete(participantId);
    this.renderText();
  }

  // layout sizes the tiles so they fill the grid as well as 16:9 tiles
  // can, from one tile to eleven, on a laptop or a phone held upright.
  layout() {
    const n = this.tiles.size;
    const W = this.el.grid.clientWidth;
    const H = this.el.grid.clientHeight;
    if (!n || !W || !H) return;
    let best = 0;
    for (let cols = 1; cols <= n; cols++) {
      const rows = Math.ceil(n / cols);
      const w = Math.min((W - GAP * (cols - 1)) / cols, ((H - GAP * (rows - 1)) / rows) * 16 / 9);
      best = Math.max(best, w);
    }
    this.el.grid.style.setProperty('--tile-w', `${Math.floor(best)}px`);
  }

  // --- controls -------------------------------------------------------

  renderControls() {
    this.el.mic.setAttribute('aria-pressed', String(this.local.micOn));
    this.el.camera.setAttribute('aria-pressed', String(this.local.cameraOn));
    this.el.screen.setAttribute('aria-pressed', String(!!this.screenTrack));
  }

  toggleMic() {
    if (!this.local.mic) return;
    this.local.micOn = !this.local.micOn;
    this.local.mic.enabled = this.local.micOn;
    this.session.setMuted({ audioMuted: !this.local.micOn });
    this.renderControls();
    this.renderText();
  }

  // toggleCamera turns the camera off (its light too) or on. One change
  // at a time: a second press while the camera starts is ignored, or a
  // double click would open two cameras and lose one, still running.
  async toggleCamera() {
    if (this.cameraBusy) return;
    this.cameraBusy = true;
    const wasOn = this.local.cameraOn;
    try {
      if (wasOn) {
        await this.cameraOff();
        return;
      }
      const { video } = await acquire(false, true, { video: this.local.cameraDeviceId });
      if (!video) return;
      if (this.session.state === 'closed') {
        video.stop(); // the meeting ended meanwhile
        return;
      }
      this.local.camera = video;
      this.local.cameraOn = true;
      try {
        await this.session.setTrack('camera', video);
      } catch (err) {
        console.warn('piiri: camera', err);
        await this.cameraOff(); // not sent, so not on
      }
    } finally {
      this.cameraBusy = false;
      if (this.local.cameraOn !== wasOn) this.session.setMuted({ videoMuted: !this.local.cameraOn });
      this.attachSelf();
      this.renderControls();
      this.renderText();
    }
  }

  async cameraOff() {
    this.local.cameraOn = false;
    this.local.camera?.stop();
    this.local.camera = null;
    await this.session.setTrack('camera', null).catch((err) => console.warn('piiri: camera', err));
  }

  async toggleScreen() {
    if (this.screenTrack) {
      await this.stopScreen();
      return;
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false });
    } catch {
      this.flash('room.screenFailed');
      return;
    }
    const track = stream.getVideoTracks()[0];
    track.contentHint = 'detail';
    this.screenTrack = track;
    track.addEventListener('ended', () => this.stopScreen()); // stopped from the browser's own bar
    const tile = this.addTile('self', { screen: true });
    tile.stream.addTrack(track);
    tile.video.srcObject = tile.stream;
    this.el.stage.hidden = false;
    this.renderControls();
    this.renderText();
    this.layout();
    try {
      await this.session.startScreen(track);
    } catch (err) {
      console.warn('piiri: screen', err);
      this.flash('room.screenFailed');
      await this.stopScreen();
    }
  }

  async stopScreen() {
    if (!this.screenTrack) return;
    this.screenTrack.stop();
    this.screenTrack = null;
    this.removeTile(this.screens, 'self');
    this.el.stage.hidden = this.screens.size === 0;
    this.renderControls();
    this.layout();
    await this.session.stopScreen().catch((err) => console.warn('piiri: screen', err));
  }

  leave() {
    this.session.leave();
  }

  // --- status ---------------------------------------------------------

  onStatus({ state, reason }) {
    if (state === 'reconnecting') {
      this.showBanner('room.reconnecting');
    } else if (state === 'connected' && reason === 'reconnected') {
      this.flash('room.reconnected');
    } else if (state === 'closed') {
      this.local.mic?.stop();
      this.local.camera?.stop();
      this.screenTrack?.stop();
      this.onEnded(reason);
    }
  }

  showBanner(key) {
    clearTimeout(this.bannerTimer);
    this.bannerKey = key;
    this.el.banner.textContent = t(key);
    this.el.banner.hidden = false;
  }

  flash(key) {
    this.showBanner(key);
    this.bannerTimer = setTimeout(() => {
      this.bannerKey = null;
      this.el.banner.hidden = true;
    }, 4000);
  }

  announce(text) { this.el.announcer.textContent = text; }
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  return (parts.slice(0, 2).map((p) => p[0].toUpperCase()).join('')) || '?';
}
