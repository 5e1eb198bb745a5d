// The page of a personal link: the person's group, its agreement to
// accept, the meetings with the person's answer (coming, maybe, not
// coming), a calendar feed, and the way into the meeting room while a
// meeting is open. Everything comes from the API with the link's token;
// the server alone says who the person is and what they may do.
import { lang, show } from './i18n.js';

// The meetings a person can still answer for or join.
const UPCOMING = new Set(['planned', 'open', 'running']);
const ANSWERS = ['coming', 'maybe', 'not_coming'];

// ApiError is a refused API call: its code is the API's error code.
class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class GroupPage {
  constructor(doc, token, { onJoin }) {
    this.doc = doc;
    this.token = token;
    this.onJoin = onJoin;
    this.me = null;
    this.meetings = [];
    const $ = (id) => doc.getElementById(id);
    this.el = {
      section: $('group'), heading: $('group-heading'), who: $('group-who'), message: $('group-message'),
      agreement: $('agreement'), agreementText: $('agreement-text'), accept: $('agreement-accept'),
      open: $('group-open'), openText: $('group-open-text'), join: $('group-join'),
      list: $('meetings'), none: $('meetings-none'), calendar: $('calendar-link'),
    };
    this.el.accept.addEventListener('click', () => this.accept());
    this.el.join.addEventListener('click', () => {
      const m = this.openMeeting();
      if (m) this.onJoin(m, this.me);
    });
    // Dates and the state of each meeting are composed text: write them
    // again in the new language.
    addEventListener('piiri:lang', () => { if (this.me) this.render(); });
  }

  // load asks who the link's person is and shows their group; it resolves
  // to false when the link does not work (the page says why).
  async load() {
    show(this.doc.querySelector('title'), 'group.title');
    this.el.section.hidden = false;
    try {
      this.me = await this.call('GET', '/api/v1/me');
      if (this.me.role === 'admin') throw new ApiError(403, 'admin_link', 'the admin token is not a personal link');
      if (this.me.agreement?.accepted !== false) await this.loadMeetings();
    } catch (err) {
      this.fail(err);
      return false;
    }
    this.render();
    return true;
  }

  async loadMeetings() {
    const list = await this.call('GET', `/api/v1/groups/${encodeURIComponent(this.me.group.id)}/meetings`);
    this.meetings = list.meetings || [];
  }

  async accept() {
    this.el.accept.disabled = true;
    try {
      this.me = await this.call('POST', '/api/v1/me/agreement', { version: this.me.agreement.version });
      await this.loadMeetings();
      this.say(null);
    } catch (err) {
      if (err.code === 'agreement_changed') {
        // The text changed while it was on the screen: show the new one.
        this.me = await this.call('GET', '/api/v1/me').catch(() => this.me);
        this.say('group.agreementChanged');
      } else {
        this.fail(err);
      }
    } finally {
      this.el.accept.disabled = false;
    }
    this.render();
  }

  async answer(meeting, answer, status) {
    show(status, 'group.saving');
    try {
      const updated = await this.call('PUT',
        `/api/v1/meetings/${encodeURIComponent(meeting.id)}/rsvps/${encodeURIComponent(this.me.person.id)}`, { answer });
      this.meetings = this.meetings.map((m) => (m.id === updated.id ? updated : m));
      this.render();
      const again = this.el.list.querySelector(`[data-meeting="${CSS.escape(updated.id)}"] .rsvp-status`);
      if (again) show(again, 'group.saved');
    } catch (err) {
      show(status, err.code === 'rate_limited' ? 'error.rate_limited' : 'group.saveFailed');
      status.classList.add('problem');
    }
  }

  // openMeeting is the meeting whose room is open now, if any.
  openMeeting() {
    return this.meetings.find((m) => m.state === 'open' || m.state === 'running') || null;
  }

  render() {
    const { me, el } = this;
    el.heading.textContent = me.group.name;
    show(el.who, me.person.role === 'facilitator' ? 'group.whoFacilitator' : me.person.role === 'observer' ? 'group.whoObserver' : 'group.whoMember', { name: me.person.name });
    const mustAccept = me.agreement && !me.agreement.accepted;
    el.agreement.hidden = !mustAccept;
    if (mustAccept) el.agreementText.textContent = me.agreement.text;
    if (me.link?.calendarUrl) el.calendar.href = me.link.calendarUrl;
    el.calendar.parentElement.hidden = mustAccept || !me.link?.calendarUrl;

    const open = mustAccept ? null : this.openMeeting();
    el.open.hidden = !open;
    if (open) show(el.openText, open.state === 'running' ? 'group.running' : 'group.open', { n: open.number, of: open.of });

    const upcoming = mustAccept ? [] : this.meetings.filter((m) => UPCOMING.has(m.state));
    el.none.hidden = mustAccept || upcoming.length > 0;
    el.list.hidden = upcoming.length === 0;
    el.list.replaceChildren(...upcoming.map((m) => this.meetingItem(m)));
  }

  meetingItem(m) {
    const doc = this.doc;
    const li = doc.createElement('li');
    li.className = 'meeting';
    li.dataset.meeting = m.id;
    const h = doc.createElement('h3');
    h.id = `meeting-${m.id}`;
    show(h, m.theme ? 'group.meetingTheme' : 'group.meeting', { n: m.number, of: m.of, theme: m.theme || '' });
    const when = doc.createElement('p');
    when.className = 'when';
    when.textContent = formatWhen(m);
    li.append(h, when);
    if (m.state === 'planned' && m.forecast) {
      const f = doc.createElement('p');
      f.className = 'forecast';
      show(f, m.forecast.reached ? 'group.quorumReached' : 'group.quorumNeeded', { coming: m.forecast.coming, quorum: m.forecast.quorum });
      li.append(f);
    }
    if (m.state !== 'running') li.append(this.rsvpFieldset(m, h.id));
    // A facilitator opens the room of the next meeting from here: one
    // open meeting per group at a time.
    if (this.me.manage && m.state === 'planned' && !this.openMeeting() && m.id === this.nextPlanned()?.id) {
      const open = doc.createElement('button');
      open.type = 'button';
      open.className = 'primary open-room';
      open.setAttribute('aria-describedby', h.id);
      show(open, 'group.openRoom');
      open.addEventListener('click', () => this.openRoom(m, open));
      li.append(open);
    }
    return li;
  }

  nextPlanned() {
    return this.meetings.find((m) => m.state === 'planned') || null;
  }

  async openRoom(meeting, button) {
    button.disabled = true;
    try {
      await this.call('POST', `/api/v1/meetings/${encodeURIComponent(meeting.id)}/open`);
      await this.loadMeetings();
      this.say(null);
      this.render();
      this.el.join.focus();
    } catch (err) {
      console.warn('piiri: open the room', err.code, err.message);
      this.say('group.openFailed');
      button.disabled = false;
    }
  }

  // rsvpFieldset is the person's answer as three radio buttons: one tab
  // stop, arrow keys to choose, each choice saved at once.
  rsvpFieldset(m, headingId) {
    const doc = this.doc;
    const fs = doc.createElement('fieldset');
    fs.className = 'rsvp';
    fs.setAttribute('aria-describedby', headingId);
    const legend = doc.createElement('legend');
    show(legend, 'group.rsvpQuestion');
    fs.append(legend);
    const current = m.rsvps?.[this.me.person.id];
    const status = doc.createElement('p');
    status.className = 'rsvp-status';
    status.setAttribute('role', 'status');
    for (const a of ANSWERS) {
      const id = `rsvp-${m.id}-${a}`;
      const input = doc.createElement('input');
      input.type = 'radio';
      input.name = `rsvp-${m.id}`;
      input.id = id;
      input.value = a;
      input.checked = current?.answer === a && !current.stale;
      input.addEventListener('change', () => this.answer(m, a, status));
      const lab = doc.createElement('label');
      lab.htmlFor = id;
      show(lab, `group.answer.${a}`);
      const wrap = doc.createElement('span');
      wrap.className = 'choice';
      wrap.append(input, lab);
      fs.append(wrap);
    }
    if (current?.stale) show(status, 'group.answerStale');
    fs.append(status);
    return fs;
  }

  fail(err) {
    console.warn('piiri: group page', err.code, err.message);
    const key = {
      unauthenticated: 'group.badLink',
      admin_link: 'group.adminLink',
      rate_limited: 'error.rate_limited',
    }[err.code] || 'group.loadFailed';
    this.say(key);
  }

  say(key) {
    show(this.el.message, key);
    this.el.message.hidden = !key;
  }

  async call(method, path, body) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body) headers['Content-Type'] = 'application/json';
    let resp;
    try {
      resp = await fetch(path, { method, headers, body: body && JSON.stringify(body), cache: 'no-store' });
    } catch (err) {
      throw new ApiError(0, 'connection_lost', String(err));
    }
    const data = await resp.json().catch(() => null);
    if (!resp.ok) throw new ApiError(resp.status, data?.error?.code || 'internal', data?.error?.message || resp.statusText);
    return data;
  }
}

// formatWhen is a meeting's day and time in the page's language, in the
// meeting's own time zone (where the group meets), with the zone named.
function formatWhen(m) {
  const start = new Date(m.start);
  const end = new Date(m.end);
  const day = new Intl.DateTimeFormat(lang(), { timeZone: m.timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  const time = new Intl.DateTimeFormat(lang(), { timeZone: m.timeZone, hour: 'numeric', minute: '2-digit' });
  const zone = new Intl.DateTimeFormat(lang(), { timeZone: m.timeZone, timeZoneName: 'short' })
    .formatToParts(start).find((p) => p.type === 'timeZoneName')?.value || m.timeZone;
  return `${day.format(start)}, ${time.format(start)}–${time.format(end)} (${zone})`;
}
