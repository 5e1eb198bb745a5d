// Session: one participant's connection to a piiri room. It speaks the
// signalling protocol (signaling/PROTOCOL.md), runs the publisher and
// subscriber peer connections, and keeps the participant in the room
// through network drops: a lost websocket is resumed with the resume
// token (and an ICE restart), and after a long outage the session joins
// afresh. The UI listens to its events and never touches the protocol.
//
// Events (CustomEvent detail):
//   status        {state: 'joining'|'connected'|'reconnecting'|'closed', reason}
//   participants  {}                       the participants map changed
//   joined        {participant} / left {participant, reason}
//   track         {mid, participantId, source, kind, track, stream}
//   trackremoved  {mid, participantId, source, kind}
//   speaking      {participantId, speaking}
//   servererror   {code, message}

const PROTOCOL_VERSION = 1;
const PING_INTERVAL_MS = 10000; // app-level keepalive: a silent drop is noticed within 15 s
const PONG_TIMEOUT_MS = 5000;
const PUBLISHER_DISCONNECTED_RESTART_MS = 4000;

export class Session extends EventTarget {
  constructor({ room, key, name, audioMuted = false, videoMuted = false, url }) {
    super();
    this.room = room;
    this.key = key;
    this.name = name;
    this.audioMuted = audioMuted;
    this.videoMuted = videoMuted;
    this.url = url || `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    this.id = null;
    this.participants = new Map(); // everyone else: id -> {id, name, audioMuted, videoMuted}
    this.state = 'idle';
    this.ws = null;
    this.token = null;
    this.graceMs = 0;
    this.iceServers = [];
    this.pub = null;
    this.sub = null;
    this.pending = new Map(); // request id -> {resolve, reject}
    this.nextId = 1;
    this.queue = Promise.resolve(); // server messages are handled one at a time, in order
    this.pubQueue = Promise.resolve(); // publisher negotiations, one at a time
    this.trackInfo = new Map(); // subscriber mid -> {participantId, source, kind}
    this.local = { mic: null, camera: null, screen: null }; // tracks we publish
    this.transceivers = { mic: null, camera: null, screen: null };
    this.closing = false;
  }

  // join connects and joins the room; it resolves once joined.
  async join() {
    this.setStatus('joining');
    await this.connect({ fresh: true });
    this.setStatus('connected');
  }

  // publish sets the microphone and camera tracks (either may be null) and
  // negotiates the publisher connection.
  async publish({ mic = null, camera = null }) {
    this.local.mic = mic;
    this.local.camera = camera;
    await this.negotiatePublisher();
  }

  // setTrack replaces the track of a source (null stops sending it) without
  // renegotiating when the section exists already.
  async setTrack(source, track) {
    this.local[source] = track;
    const tr = this.transceivers[source];
    if (tr && tr.currentDirection !== 'stopped') {
      await tr.sender.replaceTrack(track);
      return;
    }
    if (track) await this.negotiatePublisher();
  }

  // setMuted shares the microphone or camera state with the room.
  setMuted({ audioMuted, videoMuted }) {
    if (audioMuted !== undefined) this.audioMuted = audioMuted;
    if (videoMuted !== undefined) this.videoMuted = videoMuted;
    this.send({ type: 'state', audioMuted: this.audioMuted, videoMuted: this.videoMuted });
  }

  async startScreen(track) {
    this.local.screen = track;
    await this.negotiatePublisher();
  }

  async stopScreen() {
    this.local.screen = null;
    const tr = this.transceivers.screen;
    this.transceivers.screen = null;
    if (tr) {
      tr.stop();
      await this.negotiatePublisher();
    }
  }

  leave() {
    this.closing = true;
    this.send({ type: 'leave' });
    this.teardown();
    this.setStatus('closed', 'left');
  }

  // --- connection -----------------------------------------------------

  // connect opens a websocket and joins, resuming when there is a token
  // and fresh is false. It rejects when the websocket or the join fails.
  async connect({ fresh }) {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('websocket failed'));
      ws.onclose = () => reject(new Error('websocket closed'));
    });
    ws.onmessage = (e) => this.onRaw(ws, e.data);
    ws.onclose = () => this.onClose(ws);
    ws.onerror = () => {};
    const msg = {
      type: 'join', version: PROTOCOL_VERSION, room: this.room, name: this.name,
      audioMuted: this.audioMuted, videoMuted: this.videoMuted,
    };
    if (!fresh && this.token) msg.resume = this.token; else msg.key = this.key;
    const joined = await this.request(msg);
    this.startKeepalive(ws);
    return joined;
  }

  onRaw(ws, data) {
    if (ws !== this.ws) return;
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    if (msg.id && this.pending.has(msg.id) && (msg.type === 'error' || msg.type === 'pong')) {
      // Errors and pongs settle their request at once; other replies
      // (joined, answer) are applied in order first.
      this.settle(msg);
      if (msg.type === 'pong') return;
    }
    this.queue = this.queue.then(() => this.handle(msg)).catch((err) => console.warn('piiri: handling', msg.type, err));
  }

  settle(msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'error') {
      const err = new Error(msg.message);
      err.code = msg.code;
      p.reject(err);
    } else {
      p.resolve(msg);
    }
  }

  async handle(msg) {
    switch (msg.type) {
      case 'joined': this.onJoined(msg); break;
      case 'offer': await this.onSubscriberOffer(msg); break;
      case 'answer': await this.pub?.setRemoteDescription({ type: 'answer', sdp: msg.sdp }); break;
      case 'candidate': await this.onCandidate(msg); break;
      case 'participant_joined':
        this.participants.set(msg.participant.id, msg.participant);
        this.emit('joined', { participant: msg.participant });
        this.emit('participants');
        break;
      case 'participant_updated':
        if (msg.participant.id === this.id) break;
        this.participants.set(msg.participant.id, msg.participant);
        this.emit('participants');
        break;
      case 'participant_left': {
        const p = this.participants.get(msg.participantId);
        if (!p) break;
        this.participants.delete(msg.participantId);
        this.emit('left', { participant: p, reason: msg.reason });
        this.emit('participants');
        break;
      }
      case 'speaking': this.emit('speaking', { participantId: msg.participantId, speaking: msg.speaking }); break;
      case 'error': if (!msg.id) this.emit('servererror', { code: msg.code, message: msg.message }); break;
      case 'bye': this.byeReason = msg.reason; break;
    }
    if (msg.id) this.settle(msg);
  }

  onJoined(msg) {
    this.id = msg.participant.id;
    this.token = msg.resumeToken;
    this.graceMs = msg.resumeGraceMs;
    this.iceServers = msg.iceServers || [];
    // A resume brings fresh TURN credentials; connections kept from before
    // use them for the ICE restart that follows.
    for (const pc of [this.pub, this.sub]) {
      if (pc) {
        try { pc.setConfiguration({ ...pc.getConfiguration(), iceServers: this.iceServers }); } catch (err) { console.warn('piiri: setConfiguration', err); }
      }
    }
    this.participants = new Map(msg.room.participants.map((p) => [p.id, p]));
    this.maxParticipants = msg.room.maxParticipants;
    if (!this.sub) this.createSubscriber();
    this.emit('participants');
  }

  request(msg) {
    msg.id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject });
      if (!this.send(msg)) {
        this.pending.delete(msg.id);
        reject(new Error('not connected'));
      }
    });
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setStatus(state, reason) {
    this.state = state;
    this.emit('status', { state, reason });
  }

  // startKeepalive pings the server: a connection that died without a
  // close (a network that vanished) is noticed and reconnected.
  startKeepalive(ws) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (ws !== this.ws) return;
      const timer = setTimeout(() => { if (ws === this.ws) ws.close(); }, PONG_TIMEOUT_MS);
      this.request({ type: 'ping' }).then(() => clearTimeout(timer), () => {});
    }, PING_INTERVAL_MS);
  }

  onClose(ws) {
    if (ws !== this.ws) return;
    clearInterval(this.pingTimer);
    for (const p of this.pending.values()) p.reject(new Error('connection lost'));
    this.pending.clear();
    if (this.closing) return;
    if (['left', 'resumed_elsewhere', 'too_many_errors'].includes(this.byeReason)) {
      this.teardown();
      this.setStatus('closed', this.byeReason);
      return;
    }
    this.reconnect();
  }

  // reconnect resumes the participant while the grace period lasts, and
  // joins afresh after it; it keeps trying with a growing pause.
  async reconnect() {
    if (this.reconnecting) return;
    this.reconnecting = true;
    this.setStatus('reconnecting', this.byeReason || 'connection_lost');
    this.byeReason = null;
    const lostAt = Date.now();
    let pause = 250;
    while (!this.closing) {
      const withinGrace = this.token && Date.now() - lostAt < this.graceMs - 1000;
      try {
        if (withinGrace) {
          await this.connect({ fresh: false });
          await this.negotiatePublisher({ iceRestart: true });
        } else {
          await this.rejoin();
        }
        break;
      } catch (err) {
        if (err.code === 'resume_failed') {
          this.token = null; // gone: the next round joins afresh
          continue;
        }
        if (err.code === 'room_full' || err.code === 'unauthorized') {
          this.teardown();
          this.reconnecting = false;
          this.setStatus('closed', err.code);
          return;
        }
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 5000);
      }
    }
    this.reconnecting = false;
    if (!this.closing) this.setStatus('connected', 'reconnected');
  }

  // rejoin starts over as a new participant with new peer connections,
  // and publishes the same tracks again.
  async rejoin() {
    this.closePeerConnections();
    this.emit('participants');
    await this.connect({ fresh: true });
    await this.negotiatePublisher();
  }

  teardown() {
    clearInterval(this.pingTimer);
    this.closePeerConnections();
    const ws = this.ws;
    this.ws = null;
    ws?.close();
  }

  closePeerConnections() {
    for (const [mid, info] of this.trackInfo) this.emit('trackremoved', { mid, ...info });
    this.trackInfo.clear();
    this.pub?.close();
    this.sub?.close();
    this.pub = null;
    this.sub = null;
    this.transceivers = { mic: null, camera: null, screen: null };
  }

  // checkMedia reports a media path that dropped while signalling stayed
  // up (ICE restarts bring it back), and its return.
  checkMedia() {
    const down = [this.pub, this.sub].some((pc) => pc && (pc.connectionState === 'disconnected' || pc.connectionState === 'failed'));
    if (down && this.state === 'connected') {
      this.mediaDown = true;
      this.setStatus('reconnecting', 'media');
    } else if (!down && this.mediaDown && !this.reconnecting) {
      this.mediaDown = false;
      if (this.state === 'reconnecting') this.setStatus('connected', 'reconnected');
    }
  }

  // --- subscriber -----------------------------------------------------

  createSubscriber() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (e) => {
      if (e.candidate && pc === this.sub) this.send({ type: 'candidate', target: 'subscriber', candidate: e.candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => this.checkMedia();
    pc.ontrack = (e) => {
      const mid = e.transceiver.mid;
      const info = this.trackInfo.get(mid);
      if (!info) return;
      const stream = e.streams[0] || new MediaStream([e.track]);
      this.emit('track', { mid, ...info, track: e.track, stream });
    };
    this.sub = pc;
  }

  async onSubscriberOffer(msg) {
    const pc = this.sub;
    if (!pc) return;
    // Which participant and source each section carries; sections that
    // lost their entry carry a track that ended.
    const next = new Map((msg.tracks || []).map((t) => [t.mid, { participantId: t.participantId, source: t.source, kind: t.kind }]));
    for (const [mid, info] of this.trackInfo) {
      const now = next.get(mid);
      if (!now || now.participantId !== info.participantId || now.source !== info.source) this.emit('trackremoved', { mid, ...info });
    }
    this.trackInfo = next;
    // ontrack fires inside setRemoteDescription, for new sections and for
    // reused ones that carry a track again; it finds the owner in next.
    await pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    await pc.setLocalDescription();
    this.send({ type: 'answer', target: 'subscriber', sdp: pc.localDescription.sdp });
  }

  async onCandidate(msg) {
    const pc = msg.target === 'publisher' ? this.pub : this.sub;
    if (!pc || !msg.candidate) return;
    try {
      await pc.addIceCandidate(msg.candidate);
    } catch (err) {
      console.warn('piiri: candidate', err);
    }
  }

  // --- publisher ------------------------------------------------------

  // negotiatePublisher brings the publisher connection in line with the
  // local tracks and offers. Negotiations run one at a time.
  negotiatePublisher({ iceRestart = false } = {}) {
    const run = () => this.doNegotiatePublisher(iceRestart);
    this.pubQueue = this.pubQueue.then(run, run);
    return this.pubQueue;
  }

  async doNegotiatePublisher(iceRestart, attempt = 0) {
    const hasMedia = this.local.mic || this.local.camera || this.local.screen || this.pub;
    if (!hasMedia) return;
    if (!this.pub) this.createPublisher();
    const pc = this.pub;
    const want = { mic: ['audio', this.local.mic], camera: ['video', this.local.camera], screen: ['video', this.local.screen] };
    for (const [source, [kind, track]] of Object.entries(want)) {
      if (!track || this.transceivers[source]) continue;
      const init = { direction: 'sendonly', streams: [new MediaStream([track])] };
      // Cap video so that 11 people each receiving 10 streams fit an
      // ordinary connection; a screen share gets more, for legible text.
      if (kind === 'video') init.sendEncodings = [{ maxBitrate: source === 'screen' ? 1500000 : 500000 }];
      this.transceivers[source] = pc.addTransceiver(track, init);
    }
    const offer = await pc.createOffer({ iceRestart });
    await pc.setLocalDescription(offer);
    const sources = {};
    for (const [source, tr] of Object.entries(this.transceivers)) {
      if (tr && tr.mid !== null) sources[tr.mid] = source;
    }
    try {
      // The answer itself is applied by handle(), in order with the
      // candidates that follow it.
      await this.request({ type: 'offer', target: 'publisher', sdp: pc.localDescription.sdp, sources });
    } catch (err) {
      if (err.code === 'invalid_sdp' && attempt < 2) {
        // The server has reset our publisher connection: start a new one.
        pc.close();
        this.pub = null;
        this.transceivers = { mic: null, camera: null, screen: null };
        return this.doNegotiatePublisher(false, attempt + 1);
      }
      throw err;
    }
  }

  createPublisher() {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (e) => {
      if (e.candidate && pc === this.pub) this.send({ type: 'candidate', target: 'publisher', candidate: e.candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => this.checkMedia();
    // The client offers on this connection, so it restarts ICE itself when
    // the path fails (the server restarts the subscriber).
    pc.oniceconnectionstatechange = () => {
      clearTimeout(this.pubRestartTimer);
      // Only while signalling is up; a reconnect restarts ICE anyway.
      if (pc !== this.pub || this.reconnecting || this.ws?.readyState !== WebSocket.OPEN) return;
      if (pc.iceConnectionState === 'failed') this.negotiatePublisher({ iceRestart: true }).catch(() => {});
      if (pc.iceConnectionState === 'disconnected') {
        this.pubRestartTimer = setTimeout(() => {
          if (pc === this.pub && pc.iceConnectionState === 'disconnected') this.negotiatePublisher({ iceRestart: true }).catch(() => {});
        }, PUBLISHER_DISCONNECTED_RESTART_MS);
      }
    };
    this.pub = pc;
  }
}
