// MeetingView: the structure of a group's meeting in the room, as the
// server's meeting_state says it (signaling/PROTOCOL.md). The phase bar
// (phase, time left, what comes next), the round with whose turn it is,
// the recording indicator, the task for next time, the person's own
// consent, and the facilitator's controls. The server is the one clock:
// the time left is its deadline minus its time now, as this client
// estimates it from each state's "at"; nothing here decides a rule, every
// button is a request the server may refuse.
import { lang, show } from './i18n.js';
import { h } from './dom.js';

const SOUND_KEY = 'piiri.timeboxSound';
const EXTEND_MINUTES = 5;

export class MeetingView {
  constructor(doc, session, { consentVersion = 0, onSpeaker } = {}) {
    this.doc = doc;
    this.session = session;
    this.consentVersion = consentVersion; // of the text shown before joining
    this.onSpeaker = onSpeaker; // told the participant whose turn it is (or null)
    const $ = (id) => doc.getElementById(id);
    this.el = {
      bar: $('meeting-bar'), title: $('meeting-title'), phase: $('phase-name'), timer: $('phase-timer'), next: $('phase-next'),
      roundLine: $('round-line'), order: $('round-order'), rec: $('rec-indicator'), announcer: $('phase-announcer'),
      fac: $('fac-panel'), facButtons: $('fac-buttons'), facStatus: $('fac-status'),
      task: $('task-panel'), taskBody: $('task-body'),
      consent: $('consent-panel'), record: $('room-consent-record'), stats: $('room-consent-stats'), consentStatus: $('room-consent-status'),
      sound: $('sound-choice'), soundBox: $('sound-on'),
    };
    this.overdue = false; // the current timebox has run out (signalled once)
    this.timerKey = '';
    this.lastPhase = null;
  }

  start() {
    const s = this.session;
    s.addEventListener('meeting', () => this.render());
    s.addEventListener('participants', () => this.render());
    this.el.record.addEventListener('change', () => this.saveConsent());
    this.el.stats.addEventListener('change', () => this.saveConsent());
    this.el.soundBox.checked = soundOn();
    this.el.soundBox.addEventListener('change', () => setSound(this.el.soundBox.checked));
    addEventListener('piiri:lang', () => this.render());
    this.ticker = setInterval(() => this.tick(), 500);
    this.render();
  }

  stop() { clearInterval(this.ticker); }

  get st() { return this.session.meetingState; }

  facilitating() {
    const me = this.st?.people?.find((p) => p.personId === this.session.personId);
    return !!me?.facilitating;
  }

  render() {
    const st = this.st;
    this.el.bar.hidden = this.el.sound.hidden = !st;
    if (!st) return;
    show(this.el.title, st.theme ? 'meeting.titleTheme' : 'meeting.title', { group: st.groupName, n: st.number, of: st.of, theme: st.theme || '' });
    const ph = st.phase;
    if (st.state === 'running' && ph) {
      this.el.phase.textContent = local(ph.name);
      show(this.el.next, ph.nextName ? 'meeting.next' : 'meeting.lastPhase', { name: local(ph.nextName) });
    } else {
      show(this.el.phase, `meeting.state.${st.state}`);
      show(this.el.next, null);
    }
    // Say a new phase once, for screen readers.
    const phaseKey = `${st.state}:${ph?.index ?? ''}`;
    if (this.lastPhase !== null && phaseKey !== this.lastPhase) {
      show(this.el.announcer, ph ? 'meeting.phaseAnnounce' : `meeting.state.${st.state}`, { name: ph ? local(ph.name) : '' });
    }
    this.lastPhase = phaseKey;
    this.renderRound();
    this.renderRecording();
    this.renderTask();
    this.renderConsent();
    this.renderControls();
    this.tick();
  }

  renderRound() {
    const r = this.st.round;
    const { roundLine, order } = this.el;
    roundLine.hidden = order.hidden = !r;
    const speaker = r?.speaker || null;
    this.onSpeaker?.(speaker ? this.session.participantOf(speaker) : null);
    if (!r) {
      order.replaceChildren();
      return;
    }
    const cur = r.current >= 0 ? r.turns[r.current] : null;
    roundLine.replaceChildren();
    if (cur) {
      const mine = cur.personId === this.session.personId;
      roundLine.append(h('span', { class: 'speaker', i18n: mine ? 'meeting.yourTurn' : 'meeting.turnOf', i18nParams: { name: cur.name, n: r.current + 1, of: r.turns.length } }));
      if (mine && this.session.role === 'member') {
        roundLine.append(' ', h('button', { type: 'button', id: 'pass-turn', class: 'small', i18n: 'meeting.pass', onclick: (e) => this.act(e.currentTarget, 'pass') }));
      }
    } else {
      show(roundLine, 'meeting.roundWaiting');
    }
    order.replaceChildren(...r.turns.map((turn, i) => h('li', {
      class: `turn turn-${turn.status}${i === r.current ? ' current' : ''}`, dataset: { person: turn.personId, status: turn.status },
      'aria-current': i === r.current ? 'true' : false,
    }, turn.name, turn.status === 'passed' || turn.status === 'skipped' || turn.away ? h('span', { class: 'visually-hidden', i18n: `meeting.turn.${turn.away ? 'away' : turn.status}` }) : null)));
  }

  renderRecording() {
    const r = this.st.recording;
    const el = this.el.rec;
    el.hidden = !r?.requested;
    if (!r?.requested) return;
    const me = this.session.personId;
    el.classList.toggle('active', r.active);
    if (r.active) show(el, r.recorded.includes(me) ? 'meeting.recording' : 'meeting.recordingNotYou');
    else show(el, 'meeting.recordingPaused');
  }

  renderTask() {
    const st = this.st;
    const fac = this.facilitating();
    const body = this.el.taskBody;
    const task = st.task;
    const review = st.review;
    this.el.task.hidden = !task && !review && !fac;
    const parts = [];
    if (review) {
      parts.push(h('p', { class: 'hint', i18n: 'task.fromLast', i18nParams: { n: review.number } }), h('p', { class: 'task-text' }, review.text));
      if (review.shared?.length) parts.push(h('ul', { class: 'shared-notes' }, review.shared.map((n) => h('li', {}, h('strong', {}, n.name), n.note ? `: ${n.note}` : ''))));
    }
    if (task) parts.push(h('p', { class: 'hint', i18n: 'task.setNow' }), h('p', { class: 'task-text', id: 'task-now' }, task.text));
    if (fac && (st.state === 'running' || st.state === 'open')) {
      const input = h('textarea', { id: 'task-input', rows: 3, maxlength: 2000 });
      input.value = task?.text || '';
      const button = h('button', { type: 'submit', id: 'task-set', i18n: 'task.set' });
      parts.push(h('form', {
        class: 'task-form',
        onsubmit: (e) => {
          e.preventDefault();
          this.act(button, 'set_task', { text: input.value.trim() });
        },
      }, h('label', { for: 'task-input', i18n: 'task.label' }), input, button));
    }
    // Keep what the facilitator is typing: render the form only when
    // they are not in it.
    if (!body.contains(this.doc.activeElement) || this.doc.activeElement.tagName !== 'TEXTAREA') body.replaceChildren(...parts);
  }

  renderConsent() {
    const show_ = this.consentVersion > 0 && (this.st.state === 'open' || this.st.state === 'running');
    this.el.consent.hidden = !show_;
  }

  // setConsent sets the boxes from the answer given before joining.
  setConsent({ record, stats }) {
    this.el.record.checked = !!record;
    this.el.stats.checked = !!stats;
  }

  async saveConsent() {
    const fields = { record: this.el.record.checked, stats: this.el.stats.checked, textVersion: this.consentVersion };
    show(this.el.consentStatus, 'group.saving');
    try {
      await this.session.meetingAction('consent', fields);
      show(this.el.consentStatus, fields.record ? 'consent.savedOn' : 'consent.savedOff');
    } catch (err) {
      console.warn('piiri: consent', err.code, err.message);
      show(this.el.consentStatus, 'consent.saveFailed');
    }
  }

  renderControls() {
    const st = this.st;
    const fac = this.facilitating();
    this.el.fac.hidden = !fac;
    if (!fac) return;
    const b = (key, action, fields, cls = '') => h('button', {
      type: 'button', class: cls, dataset: { action }, i18n: key, i18nParams: { minutes: EXTEND_MINUTES },
      onclick: (e) => this.act(e.currentTarget, action, fields),
    });
    const buttons = [];
    if (st.state === 'open') buttons.push(b('fac.start', 'start', {}, 'primary'));
    if (st.state === 'running') {
      const ph = st.phase;
      if (ph && ph.index > 0) buttons.push(b('fac.previous', 'previous_phase'));
      if (ph && ph.nextName) buttons.push(b('fac.nextPhase', 'next_phase', {}, 'primary'));
      if (st.round) buttons.push(b('fac.nextSpeaker', 'next_speaker'));
      if (ph) buttons.push(b('fac.extend', 'extend', { minutes: EXTEND_MINUTES }));
    }
    if (st.state === 'open' || st.state === 'running') {
      const r = st.recording;
      buttons.push(r?.requested ? b('fac.recordStop', 'record_stop') : b('fac.recordStart', 'record_start'));
    }
    if (st.state === 'running') buttons.push(b('fac.end', 'end', {}, 'danger-text'));
    // Keep focus on the same button across renders.
    const focused = this.el.facButtons.contains(this.doc.activeElement) ? this.doc.activeElement.dataset.action : null;
    this.el.facButtons.replaceChildren(...buttons);
    if (focused) this.el.facButtons.querySelector(`[data-action="${focused}"]`)?.focus();
  }

  // act sends one meeting request and says in the panel why it was
  // refused, if it was.
  async act(button, action, fields = {}) {
    if (button) button.disabled = true;
    show(this.el.facStatus, null);
    try {
      await this.session.meetingAction(action, fields);
    } catch (err) {
      console.warn('piiri: meeting', action, err.code, err.message);
      const key = action === 'record_start' && err.code === 'not_possible' ? 'fac.recordRefused' : `fac.error.${err.code === 'forbidden' ? 'forbidden' : 'other'}`;
      show(this.el.facStatus, key);
    } finally {
      if (button?.isConnected) button.disabled = false;
    }
  }

  // tick shows the time left of the current timebox, and signals once
  // when it runs out.
  tick() {
    const st = this.st;
    const ph = st?.state === 'running' ? st.phase : null;
    const deadline = ph?.deadline ? Date.parse(ph.deadline) : NaN;
    if (!ph || Number.isNaN(deadline)) {
      this.el.timer.textContent = '';
      this.el.bar.classList.remove('overdue');
      return;
    }
    const key = `${st.meetingId}:${ph.index}:${ph.deadline}:${st.round?.current ?? ''}`;
    if (key !== this.timerKey) {
      this.timerKey = key;
      this.overdue = Date.parse(ph.deadline) <= this.session.serverNow();
    }
    const left = Math.round((deadline - this.session.serverNow()) / 1000);
    this.el.timer.textContent = left >= 0 ? clock(left) : `−${clock(-left)}`;
    this.el.timer.dataset.seconds = String(left);
    this.el.bar.classList.toggle('overdue', left < 0);
    if (left < 0 && !this.overdue) {
      this.overdue = true;
      show(this.el.announcer, 'meeting.timeUp');
      if (soundOn()) beep();
    }
  }
}

// local picks the page's language from a {fi, sv, en} name.
function local(text) {
  if (!text) return '';
  return text[lang()] || text.en || Object.values(text)[0] || '';
}

function clock(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

export function soundOn() {
  try { return localStorage.getItem(SOUND_KEY) !== 'off'; } catch { return true; }
}

export function setSound(on) {
  try { localStorage.setItem(SOUND_KEY, on ? 'on' : 'off'); } catch { /* private mode */ }
}

// beep is the soft signal at the end of a timebox: two quiet tones.
function beep() {
  try {
    const ctx = new AudioContext();
    for (const [i, f] of [[0, 660], [1, 880]]) {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.25);
      g.gain.exponentialRampToValueAtTime(0.08, ctx.currentTime + i * 0.25 + 0.03);
      g.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.25 + 0.22);
      o.connect(g).connect(ctx.destination);
      o.start(ctx.currentTime + i * 0.25);
      o.stop(ctx.currentTime + i * 0.25 + 0.25);
    }
    setTimeout(() => ctx.close(), 1000);
  } catch (err) {
    console.warn('piiri: sound', err);
  }
}

