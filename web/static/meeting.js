// MeetingView: the structure of a group's meeting in the room, as the
// server's meeting_state says it (signaling/PROTOCOL.md). The phase bar
// (phase, time left, what comes next), the round with whose turn it is,
// the recording indicator, the task for next time, the person's own
// consent, and the facilitator's controls. The server is the one clock:
// the time left is its deadline minus its time now, as this client
// estimates it from each state's "at"; nothing here decides a rule, every
// button is a request the server may refuse.
import { lang, show, t } from './i18n.js';
import { formatStart, h } from './dom.js';
import { Api, path } from './api.js';

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
      hands: $('hand-queue'), handList: $('hand-list'), nextMeeting: $('next-meeting'),
      facRound: $('fac-round'), facRoundList: $('fac-round-list'),
      parts: $('parts-dialog'), partsList: $('parts-list'), partsStatus: $('parts-status'),
    };
    this.api = session.link ? new Api(session.link) : null;
    this.rsvp = new Map(); // next meeting's ID -> this person's answer, as known
    this.draft = null; // the phases being edited in the dialog
    this.overdue = false; // the current timebox has run out (signalled once)
    this.timerKey = '';
    this.lastPhase = null;
  }

  start() {
    const s = this.session;
    s.addEventListener('meeting', () => this.render());
    s.addEventListener('participants', () => this.render());
    s.addEventListener('hands', () => this.renderHands());
    this.startPartsDialog();
    this.el.record.addEventListener('change', () => this.saveConsent());
    this.el.stats.addEventListener('change', () => this.saveConsent());
    this.el.soundBox.checked = soundOn();
    this.el.soundBox.addEventListener('change', () => setSound(this.el.soundBox.checked));
    this.doc.addEventListener('piiri:lang', () => this.render()); // i18n.js dispatches it on the document
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
    this.renderFacRound();
    this.renderHands();
    this.renderNextMeeting();
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

  // renderFacRound gives the facilitator a hold on the round, turn by
  // turn: move a waiting turn earlier or later (the server takes the
  // whole waiting order), skip a turn running or waiting, or give someone
  // whose turn is over one more.
  renderFacRound() {
    const r = this.st.round;
    const fac = this.facilitating();
    const list = this.el.facRoundList;
    this.el.facRound.hidden = !fac || !r;
    if (!fac || !r) {
      list.replaceChildren();
      delete list.dataset.drawn;
      return;
    }
    if (unchanged(list, [r.turns, r.current, this.st.people])) return;
    const waiting = r.turns.filter((x) => x.status === 'waiting').map((x) => x.personId);
    const coming = new Set(r.turns.filter((x) => x.status === 'waiting' || x.status === 'current').map((x) => x.personId));
    const present = new Set((this.st.people || []).filter((p) => p.present).map((p) => p.personId));
    const lastOf = new Map(r.turns.map((x, i) => [x.personId, i]));
    const focused = list.contains(this.doc.activeElement) ? this.doc.activeElement.dataset.focus : null;
    const button = (key, focus, name, onclick) => h('button', { type: 'button', class: 'small', 'data-focus': focus, onclick },
      h('span', { i18n: key }), h('span', { class: 'visually-hidden' }, ` ${name}`));
    const move = (id, by) => {
      const order = [...waiting];
      const i = order.indexOf(id);
      [order[i], order[i + by]] = [order[i + by], order[i]];
      return (e) => this.act(e.currentTarget, 'reorder', { order });
    };
    list.replaceChildren(...r.turns.map((turn, i) => {
      const id = turn.personId;
      const w = turn.status === 'waiting' ? waiting.indexOf(id) : -1;
      const buttons = [];
      if (w > 0) buttons.push(button('fac.earlier', `up-${id}`, turn.name, move(id, -1)));
      if (w >= 0 && w < waiting.length - 1) buttons.push(button('fac.later', `down-${id}`, turn.name, move(id, 1)));
      if (turn.status === 'waiting' || turn.status === 'current') buttons.push(button('fac.skip', `skip-${id}`, turn.name, (e) => this.act(e.currentTarget, 'skip', { personId: id })));
      else if (lastOf.get(id) === i && !coming.has(id) && present.has(id)) buttons.push(button('fac.extraTurn', `extra-${id}`, turn.name, (e) => this.act(e.currentTarget, 'extra_turn', { personId: id })));
      return h('li', { class: `fac-turn turn-${turn.status}`, dataset: { person: id, status: turn.status }, 'aria-current': i === r.current ? 'true' : false },
        h('span', { class: 'fac-turn-name' }, turn.name), ' ', h('span', { class: 'hint', i18n: `meeting.turn.${turn.away ? 'away' : turn.status}` }),
        buttons.length ? h('span', { class: 'person-actions' }, buttons) : null);
    }));
    if (focused) {
      const id = focused.replace(/^[a-z]+-/, '');
      const el = [focused, `up-${id}`, `down-${id}`, `skip-${id}`, `extra-${id}`].map((f) => list.querySelector(`[data-focus="${CSS.escape(f)}"]`)).find(Boolean);
      el?.focus();
    }
  }

  // renderHands shows the raised hands in the order they were raised,
  // with one click to lower one's own, and the facilitator anyone's.
  renderHands() {
    const s = this.session;
    const q = s.hands;
    const list = this.el.handList;
    this.el.hands.hidden = !this.st || !q.length;
    const fac = !!this.st && this.facilitating();
    if (unchanged(list, [q, fac, s.id, q.map((id) => s.participants.get(id)?.name)])) return;
    const focused = list.contains(this.doc.activeElement);
    list.replaceChildren(...q.map((id, i) => {
      const self = id === s.id;
      const name = self ? s.name : s.participants.get(id)?.name || '?';
      const lower = self || fac ? h('button', {
        type: 'button', class: 'small lower-hand', dataset: { participant: self ? 'self' : id },
        onclick: () => s.raiseHand(false, self ? undefined : id),
      }, h('span', { i18n: self ? 'people.lowerMine' : 'meeting.lowerHand' }), self ? null : h('span', { class: 'visually-hidden' }, ` ${name}`)) : null;
      return h('li', { dataset: { participant: self ? 'self' : id } }, h('span', { class: 'hand-n' }, `${i + 1}.`), ' ', self ? t('room.you', { name }) : name, lower ? ' ' : null, lower);
    }));
    if (focused && !list.contains(this.doc.activeElement)) (list.querySelector('button') || this.doc.getElementById('ctl-hand'))?.focus();
  }

  // renderNextMeeting: in the closing phase, the group's next meeting,
  // its time where the group meets, and the person's answer to it.
  renderNextMeeting() {
    const st = this.st;
    const nm = st.nextMeeting;
    const el = this.el.nextMeeting;
    const on = st.state === 'running' && st.phase?.kind === 'closing' && !!nm;
    el.hidden = !on;
    if (!on) {
      el.replaceChildren();
      delete el.dataset.drawn;
      return;
    }
    const me = this.session.personId;
    if (!this.rsvp.has(nm.meetingId) && this.api && me) {
      this.rsvp.set(nm.meetingId, null);
      this.loadRSVP(nm.meetingId, me);
    }
    const mine = this.rsvp.get(nm.meetingId);
    if (unchanged(el, [nm, st.of, st.timeZone, mine, this.rsvpStatus])) return;
    const focused = el.contains(this.doc.activeElement) ? this.doc.activeElement.dataset.answer : null;
    const buttons = this.api && me ? ['coming', 'maybe', 'not_coming'].map((a) => h('button', {
      type: 'button', class: 'small', dataset: { answer: a }, 'aria-pressed': String(mine === a),
      i18n: { coming: 'group.answer.coming', maybe: 'group.answer.maybe', not_coming: 'group.answer.not_coming' }[a],
      onclick: () => this.answerRSVP(nm.meetingId, me, a),
    })) : [];
    el.replaceChildren(
      h('p', { id: 'next-meeting-when', i18n: 'meeting.nextMeeting', i18nParams: { n: nm.number, of: st.of, when: formatStart(nm.start, st.timeZone) } }),
      buttons.length ? h('p', { role: 'group', 'aria-labelledby': 'next-meeting-when', class: 'next-rsvp' }, h('span', { i18n: 'group.rsvpQuestion' }), ' ', buttons) : null,
      h('p', { id: 'next-rsvp-status', class: 'side-status', role: 'status', i18n: this.rsvpStatus || null }));
    if (focused) el.querySelector(`[data-answer="${focused}"]`)?.focus();
  }

  async loadRSVP(meetingId, personId) {
    try {
      const m = await this.api.call('GET', path`/api/v1/meetings/${meetingId}`);
      const r = m.rsvps?.[personId];
      if (r && !r.stale && this.rsvp.get(meetingId) === null) this.rsvp.set(meetingId, r.answer);
      this.renderNextMeeting();
    } catch (err) {
      console.warn('piiri: next meeting', err.code, err.message);
    }
  }

  async answerRSVP(meetingId, personId, answer) {
    this.rsvpStatus = 'group.saving';
    this.renderNextMeeting();
    try {
      await this.api.call('PUT', path`/api/v1/meetings/${meetingId}/rsvps/${personId}`, { answer });
      this.rsvp.set(meetingId, answer);
      this.rsvpStatus = 'meeting.rsvpSaved';
    } catch (err) {
      console.warn('piiri: rsvp', err.code, err.message);
      this.rsvpStatus = 'meeting.rsvpFailed';
    }
    this.renderNextMeeting();
  }

  // --- the parts of the meeting, edited while it runs ------------------

  startPartsDialog() {
    const d = this.el.parts;
    d.querySelector('form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.saveParts();
    });
    this.doc.getElementById('parts-add').addEventListener('click', () => {
      this.draft.push({ name: {}, minutes: 10, round: false });
      this.renderParts(`name-${this.draft.length - 1}`);
    });
    this.doc.getElementById('parts-cancel').addEventListener('click', () => d.close());
    d.addEventListener('close', () => this.el.facButtons.querySelector('[data-action="edit_parts"]')?.focus());
  }

  openParts() {
    this.draft = (this.st.phases || []).map((p) => ({
      name: { ...p.name }, description: p.description, kind: p.kind, round: !!p.round, minutes: Math.round(p.timeboxSeconds / 60 * 100) / 100,
    }));
    show(this.el.partsStatus, null);
    this.renderParts('name-0');
    this.el.parts.showModal();
  }

  // renderParts writes the dialog's rows from the draft, and focuses the
  // field or button named focus.
  renderParts(focus) {
    const n = this.draft.length;
    const row = (p, i) => {
      const input = (key, attrs, set) => {
        const id = `part-${key}-${i}`;
        const el = h('input', { id, 'data-focus': `${key}-${i}`, ...attrs, oninput: (e) => set(e.target) });
        return [el, id];
      };
      // A renamed part has the new name in every language: the others'
      // pages show it whatever language they are in.
      const [name, nameId] = input('name', { value: local(p.name), maxlength: 200, required: true, autocomplete: 'off' }, (el) => {
        p.name = { [lang()]: el.value.trim(), en: el.value.trim() };
      });
      const [mins, minsId] = input('minutes', { type: 'number', value: String(p.minutes), min: '0.5', max: '600', step: '0.5', inputmode: 'decimal', required: true }, (el) => { p.minutes = Number(el.value); });
      const [round, roundId] = input('round', { type: 'checkbox', checked: p.round }, (el) => { p.round = el.checked; });
      const swap = (j) => () => {
        [this.draft[i], this.draft[j]] = [this.draft[j], this.draft[i]];
        this.renderParts(`${j < i ? 'up' : 'down'}-${j}`);
      };
      const btn = (key, focusKey, onclick) => h('button', { type: 'button', class: 'small', 'data-focus': `${focusKey}-${i}`, onclick },
        h('span', { i18n: key }), h('span', { class: 'visually-hidden' }, ` ${local(p.name) || i + 1}`));
      return h('li', { class: 'part' }, h('fieldset', {},
        h('legend', { i18n: 'fac.partN', i18nParams: { n: i + 1 } }),
        h('p', {}, h('label', { for: nameId, i18n: 'fac.partName' }), name),
        h('p', {}, h('label', { for: minsId, i18n: p.round ? 'fac.partMinutesTurn' : 'fac.partMinutes' }), mins),
        h('p', { class: 'choice' }, round, ' ', h('label', { for: roundId, i18n: 'fac.partRound' })),
        p.kind === 'review' ? h('p', { class: 'hint', i18n: 'fac.partReview' }) : p.kind === 'closing' ? h('p', { class: 'hint', i18n: 'fac.partClosing' }) : null,
        h('p', {},
          i > 0 ? btn('fac.earlier', 'up', swap(i - 1)) : null,
          i < n - 1 ? btn('fac.later', 'down', swap(i + 1)) : null,
          btn('fac.partRemove', 'remove', () => {
            this.draft.splice(i, 1);
            this.renderParts(this.draft.length ? `name-${Math.min(i, this.draft.length - 1)}` : 'add');
          }))));
    };
    this.el.partsList.replaceChildren(...this.draft.map(row));
    const el = focus === 'add' ? this.doc.getElementById('parts-add') : this.el.partsList.querySelector(`[data-focus="${focus}"]`);
    (el || this.doc.getElementById('parts-add')).focus();
  }

  async saveParts() {
    const bad = this.draft.findIndex((p) => !p.name.en || !(p.minutes > 0));
    if (bad >= 0) {
      show(this.el.partsStatus, 'fac.partInvalid', { n: bad + 1 });
      this.el.partsList.querySelector(`[data-focus="${this.draft[bad].name.en ? 'minutes' : 'name'}-${bad}"]`)?.focus();
      return;
    }
    const phases = this.draft.map((p) => ({
      name: p.name, timeboxMinutes: p.minutes, round: p.round,
      ...(p.description && Object.keys(p.description).length ? { description: p.description } : {}),
      ...(p.kind ? { kind: p.kind } : {}),
    }));
    show(this.el.partsStatus, 'group.saving');
    try {
      await this.api.call('PATCH', path`/api/v1/meetings/${this.st.meetingId}`, { phases });
      this.el.parts.close();
      show(this.el.facStatus, 'fac.partsSaved');
    } catch (err) {
      console.warn('piiri: parts', err.code, err.message);
      show(this.el.partsStatus, err.code === 'forbidden' || err.status === 403 ? 'fac.error.forbidden' : 'fac.partsFailed');
    }
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
    if (this.api && (st.state === 'open' || st.state === 'running')) {
      buttons.push(h('button', { type: 'button', dataset: { action: 'edit_parts' }, 'aria-haspopup': 'dialog', i18n: 'fac.editParts', onclick: () => this.openParts() }));
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
    const hadFocus = !!button && this.doc.activeElement === button;
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
      // The state that came back wrote the buttons again: keep the focus
      // on the same one, or on what stands in its place.
      if (hadFocus && (!button.isConnected || this.doc.activeElement !== button)) this.refocus(button.dataset);
    }
  }

  refocus({ action, focus }) {
    if ((this.doc.activeElement && this.doc.activeElement !== this.doc.body) || !(action || focus)) return;
    if (action) {
      (this.el.facButtons.querySelector(`[data-action="${CSS.escape(action)}"]`) || this.el.facButtons.querySelector('button'))?.focus();
      return;
    }
    const list = this.el.facRoundList;
    const id = (focus || '').replace(/^[a-z]+-/, '');
    const el = [focus, `up-${id}`, `down-${id}`, `skip-${id}`, `extra-${id}`].map((f) => list.querySelector(`[data-focus="${CSS.escape(f)}"]`)).find(Boolean);
    (el || list.querySelector('button') || this.el.facButtons.querySelector('button'))?.focus();
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

// unchanged tells whether el was last drawn from the same data (in the
// same language), and notes the data otherwise: a part written again
// under the pointer would lose a click between press and release.
function unchanged(el, data) {
  const key = JSON.stringify([lang(), data]);
  if (el.dataset.drawn === key) return true;
  el.dataset.drawn = key;
  return false;
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

