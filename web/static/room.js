// RoomView: the meeting page. A tile per participant (name, microphone-off
// mark, speaking highlight, avatar when the camera is off), a large tile
// per screen share of the others (the sharer sees a notice instead of
// their own screen), the controls, and the reconnecting banner. It renders
// what the Session reports and turns button presses into Session calls.
import { label, show, t } from './i18n.js';
import { acquire, renderToggle } from './prejoin.js';
import { BalanceView } from './balance.js';
import { ChatPanel } from './chat.js';
import { MeetingView } from './meeting.js';
import { PeopleList } from './people.js';

const GAP = 8;
const SELF_KEY = 'piiri.selfTile';
// The "you are muted" hint: the microphone's level (RMS of a clone of
// the muted track, checked every 150 ms) above SPEECH_RMS at least
// HINT_LOUD times within HINT_WINDOW_MS, the first and last at least
// HINT_SPAN_MS apart: speech, not a cough or a click. Counted in time, not
// in checks, so that a busy page that checks less often still notices.
const SPEECH_RMS = 0.03;
const HINT_WINDOW_MS = 2000;
const HINT_LOUD = 3;
const HINT_SPAN_MS = 400;
const HINT_FOR_MS = 5000;

export class RoomView {
  constructor(doc, session, local, { onEnded, consent = null }) {
    this.doc = doc;
    this.session = session;
    this.local = local; // {mic, camera, micOn, cameraOn, cameraDeviceId, speakerId}
    this.onEnded = onEnded;
    this.consent = consent; // the answer given on the pre-join page, with its text's version
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
      sharing: doc.getElementById('sharing'),
      title: doc.querySelector('title'),
      hand: doc.getElementById('ctl-hand'),
      sideButton: doc.getElementById('ctl-side'),
      side: doc.getElementById('side'),
      unread: doc.getElementById('chat-unread'),
      helpButton: doc.getElementById('ctl-help'),
      help: doc.getElementById('help'),
    };
    this.unread = 0;
    this.turnTile = null; // the tile of whose turn it is in a round
    this.pinned = null; // the participant whose tile is pinned large
    this.tiles = new Map(); // participant id (or 'self') -> tile
    this.screens = new Map(); // participant id -> tile of their screen share
    this.byMid = new Map(); // subscriber mid -> {tile, track}
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
    s.addEventListener('joined', (e) => this.announce('room.joinedAnnounce', { name: e.detail.participant.name }));
    s.addEventListener('left', (e) => this.announce('room.leftAnnounce', { name: e.detail.participant.name }));
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
    this.startPanels();
  }

  // startPanels sets up what protocol version 2 brings: the meeting's
  // structure, the people, the chat, raised hands, the facilitator's
  // requests, the help dialog and the keyboard shortcuts.
  startPanels() {
    const s = this.session;
    this.meetingView = new MeetingView(this.doc, s, {
      consentVersion: this.consent?.text?.version || 0,
      onSpeaker: (key) => this.markTurn(key),
    });
    if (this.consent) this.meetingView.setConsent(this.consent);
    this.meetingView.start();
    new PeopleList(this.doc, s).start();
    new BalanceView(this.doc, s).start();
    this.chat = new ChatPanel(this.doc, s, { onUnread: () => this.noteUnread() });
    this.chat.start();
    s.addEventListener('hands', () => this.renderHand());
    s.addEventListener('muterequest', () => {
      if (this.local.micOn) this.toggleMic();
      this.flash('room.mutedByFacilitator');
    });
    this.el.hand.addEventListener('click', () => this.toggleHand());
    this.el.sideButton.addEventListener('click', () => this.setSide(this.el.side.hidden));
    this.el.helpButton.addEventListener('click', () => this.el.help.showModal());
    this.doc.addEventListener('keydown', (e) => this.onKey(e));
    // A meeting's room opens with the panel on a wide screen; an ad-hoc
    // room, and a phone, with the tiles alone.
    this.setSide(!!s.meetingState && innerWidth >= 900);
    this.renderHand();
    const selfBox = this.doc.getElementById('self-shown');
    let shown = true;
    try { shown = localStorage.getItem(SELF_KEY) !== 'hidden'; } catch { /* private mode */ }
    selfBox.checked = shown;
    this.setSelfShown(shown);
    selfBox.addEventListener('change', () => this.setSelfShown(selfBox.checked));
    this.watchMutedSpeech();
  }

  // watchMutedSpeech tells a person who talks while their microphone is
  // off that nobody hears them. It listens to a clone of the microphone
  // (the muted track itself carries silence), only here, never sent.
  watchMutedSpeech() {
    const hint = this.doc.getElementById('muted-hint');
    if (!this.local.mic || !window.AudioContext) return;
    try {
      const clone = this.local.mic.clone();
      clone.enabled = true;
      const ctx = new AudioContext();
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      ctx.createMediaStreamSource(new MediaStream([clone])).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      let recent = [];
      let shownAt = 0;
      this.mutedWatch = { clone, ctx };
      this.mutedWatch.timer = setInterval(() => {
        const now = performance.now();
        if (this.local.micOn || !this.local.mic) {
          recent = [];
          if (!hint.hidden) hint.hidden = true;
          return;
        }
        analyser.getFloatTimeDomainData(samples);
        let sum = 0;
        for (const v of samples) sum += v * v;
        const rms = Math.sqrt(sum / samples.length);
        if (rms > SPEECH_RMS) recent.push(now);
        recent = recent.filter((at) => now - at <= HINT_WINDOW_MS);
        if (recent.length >= HINT_LOUD && recent[recent.length - 1] - recent[0] >= HINT_SPAN_MS) {
          if (hint.hidden) {
            show(hint, 'room.mutedHint');
            hint.hidden = false;
          }
          shownAt = now;
        } else if (!hint.hidden && now - shownAt > HINT_FOR_MS) {
          hint.hidden = true;
        }
      }, 150);
      ctx.resume().catch(() => {});
    } catch (err) {
      console.warn('piiri: muted hint', err);
    }
  }

  stopMutedWatch() {
    const w = this.mutedWatch;
    if (!w) return;
    clearInterval(w.timer);
    w.clone.stop();
    w.ctx.close().catch(() => {});
    this.mutedWatch = null;
  }

  renderHand() {
    const raised = this.session.hands.includes(this.session.id);
    this.el.hand.setAttribute('aria-pressed', String(raised));
    this.el.hand.dataset.on = String(raised);
    show(this.el.hand.querySelector('.label'), raised ? 'control.lowerHand' : 'control.raiseHand');
  }

  toggleHand() {
    this.session.raiseHand(!this.session.hands.includes(this.session.id));
  }

  setSide(open) {
    this.el.side.hidden = !open;
    this.el.sideButton.setAttribute('aria-pressed', String(open));
    if (open) {
      this.unread = 0;
      this.el.unread.hidden = true;
    }
    this.layout();
  }

  noteUnread() {
    if (!this.el.side.hidden) return;
    this.unread++;
    this.el.unread.hidden = false;
    show(this.el.unread, 'control.unread', { n: this.unread });
  }

  // markTurn highlights the tile of whose turn it is in a round.
  markTurn(key) {
    const tile = key ? this.tiles.get(key) : null;
    if (tile === this.turnTile) return;
    this.turnTile?.fig.classList.remove('their-turn');
    this.turnTile = tile;
    tile?.fig.classList.add('their-turn');
  }

  // onKey: M microphone, V camera, H hand, C chat, ? help; never while
  // typing in a field, nor with a modifier (the browser's own shortcuts).
  onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || this.el.help.open || this.doc.getElementById('parts-dialog').open) return;
    if (e.target.closest?.('input, textarea, select, [contenteditable]')) return;
    const k = e.key.toLowerCase();
    const actions = {
      m: () => this.toggleMic(),
      v: () => this.toggleCamera(),
      h: () => this.toggleHand(),
      c: () => { this.setSide(true); this.chat.focus(); },
      '?': () => this.el.help.showModal(),
    };
    if (!actions[k]) return;
    e.preventDefault();
    actions[k]();
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
    cap.append(name);
    // "(you)" apart from the name, so that a long name is cut short
    // rather than the mark.
    if (self) {
      const you = this.doc.createElement('span');
      you.className = 'you';
      show(you, 'room.youMark');
      cap.append(you);
    }
    const micOff = this.doc.createElement('span');
    micOff.className = 'mic-off';
    micOff.setAttribute('role', 'img');
    label(micOff, 'room.micOff');
    micOff.innerHTML = '<svg aria-hidden="true" viewBox="0 0 24 24"><use href="#i-mic"/><path class="slash" d="M3 3l18 18"/></svg>';
    cap.append(micOff);
    let pin = null;
    if (!self && !screen) {
      // Pinning keeps one person large whoever speaks.
      pin = this.doc.createElement('button');
      pin.type = 'button';
      pin.className = 'pin';
      pin.setAttribute('aria-pressed', 'false');
      pin.innerHTML = '<svg class="icon" aria-hidden="true"><use href="#i-pin"/></svg>';
      pin.addEventListener('click', () => this.setPinned(this.pinned === key ? null : key));
      cap.append(pin);
    }
    fig.append(video, avatar, cap);
    const tile = { key, fig, video, name, avatar, micOff, pin, stream: new MediaStream(), self, screen };
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
    if (this.pinned === key && map === this.tiles) this.setPinned(null);
  }

  // setPinned shows one participant's tile large on the stage (key), or
  // none (null).
  setPinned(key) {
    const old = this.pinned ? this.tiles.get(this.pinned) : null;
    if (old) {
      this.el.grid.append(old.fig);
      old.fig.classList.remove('pinned');
    }
    this.pinned = key && this.tiles.has(key) ? key : null;
    const tile = this.pinned ? this.tiles.get(this.pinned) : null;
    if (tile) {
      this.el.stage.prepend(tile.fig);
      tile.fig.classList.add('pinned');
    }
    this.el.stage.hidden = this.screens.size === 0 && !tile;
    this.renderText();
    this.layout();
    tile?.pin.focus();
  }

  // setSelfShown shows or hides one's own tile (the others still see it).
  setSelfShown(on) {
    this.tiles.get('self').fig.hidden = !on;
    try { localStorage.setItem(SELF_KEY, on ? 'shown' : 'hidden'); } catch { /* private mode */ }
    this.layout();
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
      if (!s.participants.has(key)) this.removeTile(this.screens, key);
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
    show(this.el.title, 'room.title');
    if (s.meeting) show(this.el.heading, 'room.headingMeeting', { group: s.meeting.groupName, n: s.meeting.number, of: s.meeting.of });
    else show(this.el.heading, 'room.heading', { room: s.room });
    for (const [key, tile] of this.tiles) {
      const self = key === 'self';
      const p = self ? { name: s.name, audioMuted: !this.local.micOn, videoMuted: !this.local.cameraOn } : s.participants.get(key);
      if (!p) continue;
      const name = self ? t('room.you', { name: p.name }) : p.name;
      tile.name.textContent = p.name;
      tile.avatar.firstChild.textContent = initials(p.name);
      if (tile.pin) {
        const pinned = this.pinned === key;
        tile.pin.setAttribute('aria-pressed', String(pinned));
        label(tile.pin, pinned ? 'room.unpin' : 'room.pin', { name: p.name });
      }
      // A remote track is muted until its frames arrive: show the avatar
      // until then rather than an empty tile.
      const hasVideo = tile.stream.getVideoTracks().some((tr) => tr.readyState === 'live' && (self || !tr.muted));
      tile.fig.classList.toggle('video-off', p.videoMuted || !hasVideo);
      tile.fig.classList.toggle('audio-muted', !!p.audioMuted);
      const speaking = s.speaking.has(self ? s.id : key);
      tile.fig.classList.toggle('speaking', speaking);
      tile.fig.setAttribute('aria-label', [name, p.audioMuted && t('room.micOff'), (p.videoMuted || !hasVideo) && t('room.cameraOff'), speaking && t('room.speaking')].filter(Boolean).join(', '));
    }
    for (const [key, tile] of this.screens) {
      const p = s.participants.get(key);
      if (!p) continue;
      tile.name.textContent = t('room.screenOf', { name: p.name });
      tile.fig.setAttribute('aria-label', tile.name.textContent);
    }
    const n = s.participants.size + 1;
    // A live region: show() rewrites it only when it changes, or screen
    // readers would repeat it at every speaking highlight.
    if (n === 1) show(this.el.count, 'room.alone'); else show(this.el.count, 'room.count', { n });
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
    this.el.stage.hidden = this.screens.size === 0 && !this.pinned;
    this.renderText();
    this.layout();
  }

  onTrackRemoved({ mid }) {
    const entry = this.byMid.get(mid);
    if (!entry) return;
    this.byMid.delete(mid);
    entry.tile.stream.removeTrack(entry.track);
    if (entry.tile.screen && entry.tile.stream.getTracks().length === 0) this.removeTile(this.screens, entry.tile.key);
    this.el.stage.hidden = this.screens.size === 0 && !this.pinned;
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

  onSpeaking() { this.renderText(); }

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

  // renderControls shows the microphone and camera on or off, and each
  // button's label says what a press does.
  renderControls() {
    renderToggle(this.el.mic, this.local.micOn, this.local.mic ? ['control.mute', 'control.unmute'] : ['control.noMicrophone', 'control.noMicrophone']);
    renderToggle(this.el.camera, this.local.cameraOn, ['control.cameraOff', 'control.cameraOn']);
    renderToggle(this.el.screen, !!this.screenTrack, ['control.stopSharing', 'control.share']);
    this.el.sharing.hidden = !this.screenTrack;
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
    // The sharer's own screen is not shown: a picture of the screen on
    // the screen repeats itself into a hall of mirrors. A notice says it
    // is being shared.
    this.announce('room.sharing');
    this.renderControls();
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
    this.announce('room.sharingStopped');
    this.renderControls();
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
      this.stopMutedWatch();
      this.local.mic?.stop();
      this.local.camera?.stop();
      this.screenTrack?.stop();
      this.onEnded(reason);
    }
  }

  showBanner(key) {
    clearTimeout(this.bannerTimer);
    show(this.el.banner, key);
    this.el.banner.hidden = false;
  }

  flash(key) {
    this.showBanner(key);
    this.bannerTimer = setTimeout(() => {
      show(this.el.banner, null);
      this.el.banner.hidden = true;
    }, 4000);
  }

  // announce tells screen-reader users of something they cannot see.
  announce(key, params) { show(this.el.announcer, key, params); }
}

function initials(name) {
  const parts = String(name).trim().split(/\s+/).filter(Boolean);
  return (parts.slice(0, 2).map((p) => p[0].toUpperCase()).join('')) || '?';
}
