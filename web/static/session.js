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
//   speaking      {participantId, speaking}  this.speaking changed
//   meeting       {}                       this.meetingState changed (version 2)
//   hands         {}                       this.hands changed
//   chat          {entry}                  a chat message (this.chat has it)
//   muterequest   {by}                     the facilitator asks this one to mute
//   quality       {}                       this.quality (own connection) changed

const PROTOCOL_VERSION = 2;
const PING_INTERVAL_MS = 10000; // app-level keepalive: a silent drop is noticed within 15 s
const PONG_TIMEOUT_MS = 5000;
const JOIN_TIMEOUT_MS = 10000; // opening the websocket and the reply to join
const PUBLISHER_DISCONNECTED_RESTART_MS = 4000;

// Connection quality (PROTOCOL.md, state.quality), judged every
// QUALITY_EVERY_MS from getStats() on both peer connections, the worse of
// the two, and shared with the room only when it changes:
//   round-trip time: the selected candidate pair's currentRoundTripTime;
//   loss: of what this client receives, packets lost over lost and
//     received since the last look (inbound-rtp, when at least
//     QUALITY_MIN_PACKETS came or went missing); of what it sends, the
//     fraction the server's last receiver report says it lost
//     (remote-inbound-rtp).
// good: under 300 ms and under 3 % loss, a conversation as in a room;
// poor: 800 ms or more, or 10 % loss or more, where speech breaks up and
// people talk over each other; fair: in between.
const QUALITY_EVERY_MS = 4000;
const QUALITY_MIN_PACKETS = 50;
const RTT_FAIR_MS = 300;
const RTT_POOR_MS = 800;
const LOSS_FAIR = 0.03;
const LOSS_POOR = 0.10;

// ENDED_REASONS are the reasons a session ends for good (status 'closed'):
// the bye reasons after which the client must not reconnect, and the join
// errors that retrying cannot cure. The page has an ended.<reason> string
// for each; every other reason is reconnected (PROTOCOL.md, "How a
// connection ends").
export const ENDED_REASONS = ['left', 'resumed_elsewhere', 'joined_elsewhere', 'room_full', 'unauthorized', 'removed_by_facilitator'];

const noSources = () => ({ mic: null, camera: null, screen: null });

// failure is an Error with a code: a protocol error code, or
// 'connection_lost' or 'timeout' for the connection itself.
function failure(code, message = code) {
  const err = new Error(message);
  err.code = code;
  return err;
}

export class Session extends EventTarget {
  // A room link gives room and key; a personal link gives link (its
  // token) instead, and the server says which room and name it is.
  constructor({ room, key, link = '', name, audioMuted = false, videoMuted = false, url }) {
    super();
    this.room = room;
    this.key = key;
    this.link = link;
    this.meeting = null; // a meeting room's group, number and theme (joined's room.meeting)
    this.name = name;
    this.audioMuted = audioMuted;
    this.videoMuted = videoMuted;
    this.url = url || `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
    this.id = null;
    this.participants = new Map(); // everyone else: id -> {id, name, audioMuted, videoMuted, speaking}
    // Who is speaking now, by participant id (this one's too): from the
    // speaking messages, and from the participant objects, which say so
    // for someone who was speaking before this client joined.
    this.speaking = new Set();
    this.state = 'idle';
    this.ws = null;
    this.live = false; // this.ws has joined: messages other than join may go out
    this.joinId = null; // the id of the join sent on this.ws
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
    this.local = noSources(); // tracks we publish
    this.transceivers = noSources();
    this.closing = false; // torn down: nothing reconnects any more
    // Version 2: the role the server gave (a meeting's room only), the
    // person behind this participant, the meeting's live state with the
    // offset of the server's clock from ours, the raised hands and the
    // chat so far.
    this.role = null;
    this.personId = null;
    this.meetingState = null;
    this.clockOffset = 0; // server time = Date.now() - clockOffset
    this.hands = [];
    this.chat = [];
    this.quality = null; // good, fair or poor: this connection, as last judged
    this.sentQuality = null; // as the server was last told
    this.qualityPrev = {}; // per connection, the inbound counters of the last look
  }

  // serverNow is the server's clock as this client estimates it, in ms.
  serverNow() { return Date.now() - this.clockOffset; }

  // meetingAction sends a meeting request (PROTOCOL.md "meeting") and
  // resolves to the new state, or rejects with the server's error code.
  async meetingAction(action, fields = {}) {
    const reply = await this.request({ type: 'meeting', action, ...fields });
    if (reply.state) this.setMeetingState(reply.state);
    return reply.state;
  }

  // raiseHand raises or lowers this participant's hand; the facilitator
  // may lower another's.
  raiseHand(raised, participantId) {
    const msg = { type: 'hand', raised };
    if (participantId) msg.participantId = participantId;
    return this.send(msg);
  }

  sendChat(text) { return this.send({ type: 'chat', text }); }

  askToMute(participantId) { return this.send({ type: 'mute', participantId }); }

  removeParticipant(participantId) { return this.send({ type: 'remove', participantId }); }

  // setMeetingState keeps the newest state (states may overtake each
  // other) and the server clock's offset, from the state's own time.
  setMeetingState(st) {
    if (!st || (this.meetingState && st.meetingId === this.meetingState.meetingId && st.version < this.meetingState.version)) return;
    const at = Date.parse(st.at);
    if (!Number.isNaN(at)) this.clockOffset = Date.now() - at;
    this.meetingState = st;
    this.emit('meeting');
  }

  // personOf is the person ID of a participant ('self' or an ID).
  personOf(participantId) {
    if (participantId === 'self' || participantId === this.id) return this.personId;
    return this.participants.get(participantId)?.personId || null;
  }

  // participantOf is the participant ID ('self' for this one) of a
  // person in the room, or null.
  participantOf(personId) {
    if (!personId) return null;
    if (personId === this.personId) return 'self';
    for (const p of this.participants.values()) if (p.personId === personId) return p.id;
    return null;
  }

  // join connects and joins the room; it resolves once joined. When it
  // fails, the session is torn down and does not try again by itself.
  async join() {
    this.setStatus('joining');
    try {
      await this.connect({ fresh: true });
    } catch (err) {
      this.teardown();
      throw err;
    }
    this.setStatus('connected');
    this.watchQuality();
  }

  watchQuality() {
    clearInterval(this.qualityTimer);
    this.qualityTimer = setInterval(async () => {
      if (this.closing) {
        clearInterval(this.qualityTimer);
        return;
      }
      if (!this.live || this.measuring) return;
      this.measuring = true;
      try {
        const q = await this.measureQuality();
        if (q && q !== this.quality) {
          this.quality = q;
          this.emit('quality');
        }
        if (this.quality && this.quality !== this.sentQuality && this.send({ type: 'state', quality: this.quality })) this.sentQuality = this.quality;
      } catch (err) {
        console.warn('piiri: quality', err);
      } finally {
        this.measuring = false;
      }
    }, QUALITY_EVERY_MS);
  }

  // measureQuality judges the connections as the comment at the top
  // says, or null when neither has anything to judge by yet.
  async measureQuality() {
    let rtt = 0;
    let loss = 0;
    let seen = false;
    for (const [name, pc] of [['pub', this.pub], ['sub', this.sub]]) {
      if (!pc || pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      const prev = this.qualityPrev[name] || {};
      const next = {};
      let pair = null;
      stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = r.selectedCandidatePairId; });
      let lost = 0;
      let got = 0;
      stats.forEach((r) => {
        if (r.type === 'candidate-pair' && (pair ? r.id === pair : r.nominated && r.state === 'succeeded') && typeof r.currentRoundTripTime === 'number') {
          rtt = Math.max(rtt, r.currentRoundTripTime * 1000);
          seen = true;
        } else if (r.type === 'inbound-rtp') {
          next[r.id] = { lost: r.packetsLost || 0, got: r.packetsReceived || 0 };
          const p = prev[r.id] || { lost: 0, got: 0 };
          lost += Math.max(0, next[r.id].lost - p.lost);
          got += Math.max(0, next[r.id].got - p.got);
        } else if (r.type === 'remote-inbound-rtp' && typeof r.fractionLost === 'number') {
          loss = Math.max(loss, r.fractionLost);
          seen = true;
        }
      });
      if (lost + got >= QUALITY_MIN_PACKETS) {
        loss = Math.max(loss, lost / (lost + got));
        seen = true;
      }
      this.qualityPrev[name] = next;
    }
    if (!seen) return null;
    if (rtt >= RTT_POOR_MS || loss >= LOSS_POOR) return 'poor';
    if (rtt >= RTT_FAIR_MS || loss >= LOSS_FAIR) return 'fair';
    return 'good';
  }

  // publish sets the microphone and camera tracks (either may be null) and
  // negotiates the publisher connection.
  async publish({ mic = null, camera = null }) {
    this.local.mic = mic;
    this.local.camera = camera;
    await this.negotiatePublisher();
  }

  // setTrack replaces the track of a source (null stops sending it) without
  // renegotiating when the section exists already. While the connection
  // is down the track is kept and published by the reconnect.
  async setTrack(source, track) {
    this.local[source] = track;
    const tr = this.transceivers[source];
    if (tr && tr.currentDirection !== 'stopped') {
      await tr.sender.replaceTrack(track);
      return;
    }
    if (track) await this.renegotiate();
  }

  // setMuted shares the microphone or camera state with the room. While
  // the connection is down, the join that brings it back shares it.
  setMuted({ audioMuted, videoMuted }) {
    if (audioMuted !== undefined) this.audioMuted = audioMuted;
    if (videoMuted !== undefined) this.videoMuted = videoMuted;
    this.send({ type: 'state', audioMuted: this.audioMuted, videoMuted: this.videoMuted });
  }

  async startScreen(track) {
    this.local.screen = track;
    await this.renegotiate();
  }

  async stopScreen() {
    this.local.screen = null;
    const tr = this.transceivers.screen;
    this.transceivers.screen = null;
    if (tr) {
      tr.stop();
      await this.renegotiate();
    }
  }

  // renegotiate offers the publisher's changed tracks. A connection that
  // is down is no failure: the reconnect offers the tracks as they are.
  async renegotiate() {
    try {
      await this.negotiatePublisher();
    } catch (err) {
      if (err.code !== 'connection_lost') throw err;
    }
  }

  // leave leaves the room for good: the others see it at once, not after
  // the grace period.
  leave() {
    if (this.closing) return;
    this.send({ type: 'leave' });
    this.end('left');
  }

  // --- connection -----------------------------------------------------

  // connect opens a websocket and joins, resuming when there is a token
  // and fresh is false. It rejects when the websocket or the join fails,
  // or takes longer than JOIN_TIMEOUT_MS; the websocket is closed then.
  // Until joined, a closing websocket only fails the attempt: whoever
  // called connect decides whether to try again.
  async connect({ fresh }) {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.live = false;
    this.byeReason = null;
    let fail;
    const failed = new Promise((_, reject) => { fail = reject; });
    failed.catch(() => {});
    ws.abort = fail; // dropSocket ends the attempt
    const timer = setTimeout(() => fail(failure('timeout', 'no reply from the server')), JOIN_TIMEOUT_MS);
    ws.onmessage = (e) => this.onRaw(ws, e.data);
    ws.onerror = () => {};
    ws.onclose = () => fail(failure(this.byeReason === 'server_shutdown' ? 'shutting_down' : 'connection_lost', 'websocket closed'));
    const msg = {
      type: 'join', version: PROTOCOL_VERSION, room: this.room, name: this.name,
      audioMuted: this.audioMuted, videoMuted: this.videoMuted,
    };
    if (!fresh && this.token) msg.resume = this.token;
    else if (this.link) {
      msg.token = this.link;
      delete msg.room; // the link says which room
    }
    else msg.key = this.key;
    try {
      await Promise.race([new Promise((resolve) => { ws.onopen = resolve; }), failed]);
      const reply = this.request(msg);
      this.joinId = msg.id;
      const joined = await Promise.race([reply, failed]);
      ws.onclose = () => this.lost(ws);
      this.startKeepalive(ws);
      return joined;
    } catch (err) {
      // A fresh join that may still be under way on the server would
      // leave a participant nobody sees: leave tells the server to drop
      // it (it handles the connection's messages in order).
      if (fresh && err.code === 'timeout' && ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'leave' }));
      this.dropSocket(ws);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  // dropSocket lets go of a websocket: its events no longer reach the
  // session, it is closed, and requests waiting on it fail.
  dropSocket(ws) {
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    ws.close();
    ws.abort?.(failure('connection_lost'));
    if (ws !== this.ws) return;
    this.ws = null;
    this.live = false;
    clearInterval(this.pingTimer);
    for (const p of this.pending.values()) p.reject(failure('connection_lost'));
    this.pending.clear();
  }

  // lost handles the end of a joined websocket: closed, silent, or a join
  // that failed after all. The session reconnects unless the server said
  // it is over.
  lost(ws) {
    if (ws !== this.ws || this.closing) return;
    const reason = this.byeReason || 'connection_lost';
    this.dropSocket(ws);
    if (ENDED_REASONS.includes(reason)) this.end(reason);
    else this.reconnect(reason);
  }

  onRaw(ws, data) {
    if (ws !== this.ws) return;
    let msg;
    try { msg = JSON.parse(data); } catch { return; }
    // The close that follows a bye can overtake the queue below.
    if (msg.type === 'bye') this.byeReason = msg.reason;
    if (msg.id && this.pending.has(msg.id) && (msg.type === 'pong' || (msg.type === 'error' && msg.id !== this.joinId))) {
      // Errors and pongs settle their request at once; other replies
      // (joined, answer) and the join's errors are applied in order.
      this.settle(msg);
      if (msg.type === 'pong') return;
    }
    // Messages from a websocket dropped meanwhile are not applied.
    this.queue = this.queue.then(() => ws === this.ws && this.handle(ws, msg)).catch((err) => {
      console.warn('piiri: handling', msg.type, err);
      // A reply that could not be applied (an answer the connection
      // refused) fails its request rather than leave it waiting.
      if (msg.id) this.settle({ type: 'error', id: msg.id, code: 'client_error', message: String(err) });
    });
  }

  settle(msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'error') p.reject(failure(msg.code, msg.message));
    else p.resolve(msg);
  }

  async handle(ws, msg) {
    switch (msg.type) {
      case 'joined': this.onJoined(msg); break;
      case 'offer': await this.onSubscriberOffer(msg); break;
      case 'answer': await this.pub?.setRemoteDescription({ type: 'answer', sdp: msg.sdp }); break;
      case 'candidate': await this.onCandidate(msg); break;
      case 'participant_joined':
        this.participants.set(msg.participant.id, msg.participant);
        this.noteSpeaking(msg.participant);
        this.emit('joined', { participant: msg.participant });
        this.emit('participants');
        break;
      case 'participant_updated':
        this.noteSpeaking(msg.participant);
        if (msg.participant.id === this.id) break;
        this.participants.set(msg.participant.id, msg.participant);
        this.emit('participants');
        break;
      case 'participant_left': {
        const p = this.participants.get(msg.participantId);
        if (!p) break;
        this.participants.delete(msg.participantId);
        this.speaking.delete(msg.participantId);
        this.emit('left', { participant: p, reason: msg.reason });
        this.emit('participants');
        break;
      }
      case 'speaking':
        this.noteSpeaking({ id: msg.participantId, speaking: msg.speaking });
        this.emit('speaking', { participantId: msg.participantId, speaking: msg.speaking });
        break;
      case 'meeting_state':
        this.setMeetingState(msg.state);
        break;
      case 'hands':
        this.hands = msg.queue || [];
        this.emit('hands');
        break;
      case 'chat':
        if (msg.entry && !this.chat.some((e) => e.seq === msg.entry.seq)) {
          this.chat.push(msg.entry);
          this.emit('chat', { entry: msg.entry });
        }
        break;
      case 'mute_request':
        this.emit('muterequest', { by: msg.by });
        break;
      case 'error':
        if (msg.id && msg.id === this.joinId && this.live && msg.code === 'internal') {
          // The server could not set up our media after joined: the
          // participant is gone, so the next attempt joins afresh.
          console.warn('piiri: join failed after joined:', msg.message);
          this.token = null;
          this.lost(ws);
          return;
        }
        if (!msg.id) console.warn('piiri: server error', msg.code, msg.message);
        break;
    }
    if (msg.id) this.settle(msg);
  }

  onJoined(msg) {
    this.id = msg.participant.id;
    // A personal link's room is the meeting's: a resume names it.
    if (msg.room?.name) this.room = msg.room.name;
    this.meeting = msg.room?.meeting || null;
    this.token = msg.resumeToken;
    this.graceMs = msg.resumeGraceMs;
    this.iceServers = msg.iceServers || [];
    this.live = true;
    // A resume brings fresh TURN credentials; connections kept from before
    // use them for the ICE restart that follows.
    for (const pc of [this.pub, this.sub]) {
      if (pc) {
        try { pc.setConfiguration({ ...pc.getConfiguration(), iceServers: this.iceServers }); } catch (err) { console.warn('piiri: setConfiguration', err); }
      }
    }
    // A resume keeps the state the server had (join's audioMuted and
    // videoMuted are ignored), and the microphone or camera may have been
    // switched while the connection was down: share the state now.
    const me = msg.participant;
    if (me.audioMuted !== this.audioMuted || me.videoMuted !== this.videoMuted) this.setMuted({});
    this.participants = new Map(msg.room.participants.map((p) => [p.id, p]));
    this.role = me.role || null;
    this.personId = me.personId || null;
    this.sentQuality = me.quality || null; // a resume keeps what the server had
    this.hands = msg.room.hands || [];
    // A resume brings the whole chat again: keep what is new.
    for (const e of msg.room.chat || []) if (!this.chat.some((x) => x.seq === e.seq)) this.chat.push(e);
    if (msg.room.meetingState) this.setMeetingState(msg.room.meetingState);
    this.emit('hands');
    this.emit('chat', {});
    this.speaking = new Set();
    for (const p of [me, ...msg.room.participants]) this.noteSpeaking(p);
    if (!this.sub) this.createSubscriber();
    this.emit('participants');
  }

  // noteSpeaking takes the speaking state from a participant object;
  // one without it (an older server) changes nothing.
  noteSpeaking({ id, speaking }) {
    if (speaking === true) this.speaking.add(id);
    else if (speaking === false) this.speaking.delete(id);
  }

  request(msg) {
    msg.id = `r${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pending.set(msg.id, { resolve, reject });
      if (!this.send(msg)) {
        this.pending.delete(msg.id);
        reject(failure('connection_lost', 'not connected'));
      }
    });
  }

  // send sends a message on the websocket; before joined only join.
  send(msg) {
    if (!this.ws || this.ws.readyState !== this.ws.OPEN || !(this.live || msg.type === 'join')) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  emit(type, detail = {}) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  setStatus(state, reason) {
    this.state = state;
    this.emit('status', { state, reason });
  }

  // startKeepalive pings the server: a connection that died without a
  // close (a network that vanished) is noticed and reconnected at once.
  // Closing it and waiting for the close event is no good: on a dead
  // network the close handshake can outlast the resume grace period.
  startKeepalive(ws) {
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (ws !== this.ws) return;
      const timer = setTimeout(() => this.lost(ws), PONG_TIMEOUT_MS);
      this.request({ type: 'ping' }).finally(() => clearTimeout(timer)).catch(() => {});
    }, PING_INTERVAL_MS);
  }

  // reconnect resumes the participant while the grace period lasts, and
  // joins afresh after it; it keeps trying with a growing pause.
  async reconnect(reason) {
    if (this.reconnecting || this.closing) return;
    this.reconnecting = true;
    this.setStatus('reconnecting', reason);
    let lostAt = Date.now();
    let pause = 250;
    while (!this.closing) {
      const withinGrace = this.token && Date.now() - lostAt < this.graceMs - 1000;
      try {
        if (withinGrace) {
          await this.connect({ fresh: false });
        } else {
          this.closePeerConnections();
          this.emit('participants');
          await this.connect({ fresh: true });
        }
        // Joined: should what follows fail, the next round resumes this
        // participant rather than leave it behind.
        lostAt = Date.now();
        await this.negotiatePublisher({ iceRestart: withinGrace });
        break;
      } catch (err) {
        if (this.closing) break;
        this.dropSocket(this.ws); // never two websockets at once
        if (err.code === 'resume_failed') {
          this.token = null; // gone: the next round joins afresh
          continue;
        }
        if (ENDED_REASONS.includes(err.code)) {
          this.reconnecting = false;
          this.end(err.code);
          return;
        }
        await new Promise((r) => setTimeout(r, pause));
        pause = Math.min(pause * 2, 5000);
      }
    }
    this.reconnecting = false;
    if (!this.closing) this.setStatus('connected', 'reconnected');
  }

  // end tears the session down for good and says why.
  end(reason) {
    this.teardown();
    this.setStatus('closed', reason);
  }

  teardown() {
    this.closing = true;
    clearInterval(this.qualityTimer);
    this.closePeerConnections();
    this.dropSocket(this.ws);
  }

  closePeerConnections() {
    // What a closed connection was doing may never settle (the WebRTC spec
    // abandons its promises): the queues start afresh, so that nothing
    // for the next connections waits on it.
    this.queue = Promise.resolve();
    this.pubQueue = Promise.resolve();
    for (const [mid, info] of this.trackInfo) this.emit('trackremoved', { mid, ...info });
    this.trackInfo.clear();
    this.pub?.close();
    this.sub?.close();
    this.pub = null;
    this.sub = null;
    this.transceivers = noSources();
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

  // newPeerConnection creates the publisher or subscriber connection,
  // trickling its candidates to the server while it is the current one.
  newPeerConnection(target) {
    const pc = new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: 'max-bundle' });
    pc.onicecandidate = (e) => {
      if (e.candidate && pc === (target === 'publisher' ? this.pub : this.sub)) this.send({ type: 'candidate', target, candidate: e.candidate.toJSON() });
    };
    pc.onconnectionstatechange = () => this.checkMedia();
    return pc;
  }

  createSubscriber() {
    const pc = this.newPeerConnection('subscriber');
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
    if (pc !== this.sub) return;
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
    // Replaced meanwhile (a rejoin): this offer is for no one.
    if (pc !== this.pub) throw failure('connection_lost', 'publisher connection replaced');
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
        this.transceivers = noSources();
        return this.doNegotiatePublisher(false, attempt + 1);
      }
      throw err;
    }
  }

  createPublisher() {
    const pc = this.newPeerConnection('publisher');
    // The client offers on this connection, so it restarts ICE itself when
    // the path fails (the server restarts the subscriber).
    pc.oniceconnectionstatechange = () => {
      clearTimeout(this.pubRestartTimer);
      // Only while signalling is up; a reconnect restarts ICE anyway.
      if (pc !== this.pub || this.reconnecting || !this.live) return;
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
