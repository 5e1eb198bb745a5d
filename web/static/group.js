// The page of a personal link: the person's group, its agreement to
// accept, the count of meetings held, the meetings with the person's
// answer (coming, maybe, not coming) and any time poll, the task for
// next time with the person's note, the feedback question after a
// meeting, a calendar feed, and the way into the meeting room while a
// meeting is open. A facilitator also gets the managing half
// (manage.js, fetched only for them). Those who may study the meetings (facilitators, a chair,
// researchers) get the recordings (recordings.js), played in the
// playback view (playback.js, loaded on the first play). Everything comes from the API with the
// link's token; the server alone says who the person is and what they
// may do.
import { show } from './i18n.js';
import { Api, ApiError, path } from './api.js';
import { formatStart, formatWhen, h } from './dom.js';
import { MyRecordings } from './myrecordings.js';
import { RecordingsPart } from './recordings.js';

// The meetings a person can still answer for or join.
const UPCOMING = new Set(['planned', 'open', 'running']);
const ANSWERS = ['coming', 'maybe', 'not_coming'];
const SCORES = [1, 2, 3, 4, 5];
// How often the page asks again, so that "the room is open" shows
// without a reload.
const REFRESH_MS = 15000;

export class GroupPage {
  constructor(doc, token, { onJoin }) {
    this.doc = doc;
    this.api = new Api(token);
    this.onJoin = onJoin;
    this.me = null;
    this.page = null; // GET /api/v1/groups/{group}
    this.task = null;
    this.feedback = null; // the feedback of the last ended meeting
    this.manage = null;
    const $ = (id) => doc.getElementById(id);
    this.el = {
      section: $('group'), heading: $('group-heading'), who: $('group-who'), message: $('group-message'),
      agreement: $('agreement'), agreementText: $('agreement-text'), accept: $('agreement-accept'),
      open: $('group-open'), openText: $('group-open-text'), join: $('group-join'),
      progress: $('group-progress'), task: $('group-task'), feedback: $('group-feedback'),
      list: $('meetings'), none: $('meetings-none'), calendar: $('calendar-link'), manage: $('manage'),
      myData: $('my-data'), myDataButton: $('my-data-download'), myDataStatus: $('my-data-status'),
    };
    // The theme proposals, after the meetings; a notice (not an alarm)
    // for what the person did to the group, such as handing it over.
    this.el.themes = h('section', { id: 'group-themes', class: 'themes', 'aria-labelledby': 'themes-heading', hidden: true });
    this.el.calendar.parentElement.after(this.el.themes);
    this.el.notice = h('p', { id: 'group-notice', class: 'message notice', role: 'status', tabindex: '-1', hidden: true });
    this.el.message.after(this.el.notice);
    this.themeDraft = '';
    this.gone = false; // the person left the group from this page
    this.recordings = new RecordingsPart($('recordings'), this.api, { onPlay: (m, list, button) => this.play(m, list, button) });
    this.playback = null; // playback.js, loaded when first needed
    this.inPlayback = false;
    this.myRecordings = new MyRecordings($('my-recordings'), this.api, $('my-data-status'));
    this.el.myDataButton.addEventListener('click', () => this.downloadMyData());
    const erase = $('my-speech-erase');
    const confirm = $('my-speech-confirm');
    erase.addEventListener('click', () => { confirm.hidden = false; $('my-speech-yes').focus(); });
    $('my-speech-no').addEventListener('click', () => { confirm.hidden = true; erase.focus(); });
    $('my-speech-yes').addEventListener('click', async () => {
      confirm.hidden = true;
      try {
        const out = await this.api.call('DELETE', path`/api/v1/people/${this.me.person.id}/speech`);
        show(this.el.myDataStatus, 'group.speechErased', { n: out.stretches });
      } catch (err) {
        console.warn('piiri: erase speech', err.code, err.message);
        show(this.el.myDataStatus, 'manage.failed');
      }
      erase.focus();
    });
    this.el.accept.addEventListener('click', () => this.accept());
    this.el.join.addEventListener('click', () => {
      const m = this.openMeeting();
      if (m) this.onJoin(m, this.me);
    });
    // Dates and the state of each meeting are composed text: write them
    // again in the new language.
    document.addEventListener('piiri:lang', () => { if (this.page && !this.gone) this.render(); });
  }

  // load asks who the link's person is and shows their group; it resolves
  // to false when the link does not work (the page says why).
  async load() {
    show(this.doc.querySelector('title'), 'group.title');
    this.el.section.hidden = false;
    try {
      this.me = await this.api.call('GET', '/api/v1/me');
      if (this.me.role === 'admin') throw new ApiError(403, 'admin_link', 'the admin token is not a personal link');
      if (this.me.agreement?.accepted !== false) await this.loadGroup();
    } catch (err) {
      this.fail(err);
      return false;
    }
    this.render();
    this.startManaging();
    this.schedule();
    return true;
  }

  async loadGroup() {
    const gid = this.me.group.id;
    const [page, task] = await Promise.all([
      this.api.call('GET', path`/api/v1/groups/${gid}`),
      this.api.call('GET', path`/api/v1/groups/${gid}/task`),
    ]);
    this.page = page;
    this.task = task.task;
    const last = [...page.meetings].reverse().find((m) => m.state === 'ended');
    this.feedback = last ? await this.api.call('GET', path`/api/v1/meetings/${last.id}/feedback`).catch(() => null) : null;
  }

  get meetings() { return this.page?.meetings || []; }

  // startManaging adds the facilitator's half below the person's own.
  // Its code (manage.js, the biggest module) is fetched only now, so a
  // member's page never loads it.
  async startManaging() {
    if (!this.me.manage || this.manage || this.managing || this.mustAccept()) return;
    let ManagePage;
    try {
      this.managing = true;
      ({ ManagePage } = await import('./manage.js'));
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      this.managing = false;
    }
    if (!this.me.manage || this.manage || this.gone) return; // handed over while it loaded
    this.el.manage.hidden = false;
    this.manage = new ManagePage(this.el.manage.querySelector('.manage-body'), this.api, this.me.group.id, {
      headingLevel: 3,
      onHandedOver: (done) => this.handedOver(done),
      onChange: async () => {
        const wasOpen = !!this.openMeeting();
        await this.loadGroup().catch((err) => this.fail(err));
        this.render();
        if (!wasOpen && this.openMeeting()) this.el.join.focus();
      },
    });
    this.manage.load().catch((err) => this.fail(err));
  }

  // handedOver follows a facilitator who gave the group to a member: as
  // a member now, the page shows what a member sees; having left, the
  // link no longer works and the page says only that.
  async handedOver({ leave, name }) {
    this.manage = null;
    this.el.manage.hidden = true;
    if (leave) {
      this.gone = true;
      for (const el of this.el.section.children) if (el !== this.el.heading && el !== this.el.notice) el.hidden = true;
      this.notify('group.leftGroup', { name });
      return;
    }
    try {
      this.me = await this.api.call('GET', '/api/v1/me');
      await this.loadGroup();
      this.render();
    } catch (err) {
      this.fail(err);
    }
    this.notify('group.handedOver', { name });
  }

  notify(key, params) {
    show(this.el.notice, key, params);
    this.el.notice.hidden = false;
    this.el.notice.focus();
  }

  // schedule asks again in a while; an answer that changed nothing, or
  // one that comes while the person is typing, is not rendered.
  schedule() {
    setTimeout(async () => {
      if (this.gone) return;
      if (this.doc.visibilityState === 'visible' && !this.el.section.hidden && !this.mustAccept()) {
        const before = JSON.stringify([this.page, this.task, this.feedback]);
        try {
          await this.loadGroup();
          const active = this.doc.activeElement;
          // An empty theme field is not typing: the themes part keeps
          // its focus across a render.
          const typing = this.el.section.contains(active) && active.matches('input[type=text], textarea') && !this.el.manage.contains(active)
            && !(active.id === 'theme-text' && !active.value);
          if (!typing && JSON.stringify([this.page, this.task, this.feedback]) !== before) this.render();
        } catch (err) {
          console.warn('piiri: refresh the group page', err.code);
        }
      }
      if (!this.el.section.hidden || this.inPlayback) this.schedule();
    }, REFRESH_MS);
  }

  mustAccept() {
    return !!(this.me?.agreement && !this.me.agreement.accepted);
  }

  async accept() {
    this.el.accept.disabled = true;
    try {
      this.me = await this.api.call('POST', '/api/v1/me/agreement', { version: this.me.agreement.version });
      await this.loadGroup();
      this.say(null);
    } catch (err) {
      if (err.code === 'agreement_changed') {
        // The text changed while it was on the screen: show the new one.
        this.me = await this.api.call('GET', '/api/v1/me').catch(() => this.me);
        this.say('group.agreementChanged');
      } else {
        this.fail(err);
      }
    } finally {
      this.el.accept.disabled = false;
    }
    this.render();
    this.startManaging();
  }

  // save runs one change of the person's own (an answer, poll marks, a
  // note, feedback), shows the page as it is now and says "Saved" in
  // the status of the part that changed.
  async save(status, fn, statusSelector) {
    show(status, 'group.saving');
    status.classList.remove('problem');
    try {
      await fn();
      await this.loadGroup();
      this.render();
      this.manage?.load();
      const again = statusSelector && this.el.section.querySelector(statusSelector);
      if (again) show(again, 'group.saved');
    } catch (err) {
      console.warn('piiri: save', err.code, err.message);
      show(status, err.code === 'rate_limited' ? 'error.rate_limited' : 'group.saveFailed');
      status.classList.add('problem');
    }
  }

  answer(meeting, answer, status) {
    return this.save(status,
      () => this.api.call('PUT', path`/api/v1/meetings/${meeting.id}/rsvps/${this.me.person.id}`, { answer }),
      `[data-meeting="${CSS.escape(meeting.id)}"] .rsvp-status`);
  }

  // openMeeting is the meeting whose room is open now, if any.
  openMeeting() {
    return this.meetings.find((m) => m.state === 'open' || m.state === 'running') || null;
  }

  render() {
    const { me, el } = this;
    // A control the person is on (an answer chosen with the keyboard)
    // keeps the focus across a render, by its id.
    const active = this.doc.activeElement;
    const focusedId = active && active !== this.doc.body && el.section.contains(active) && !el.manage.contains(active) ? active.id : '';
    el.heading.textContent = me.group.name;
    show(el.who, me.person.role === 'facilitator' ? 'group.whoFacilitator' : me.person.role === 'observer' ? 'group.whoObserver' : 'group.whoMember', { name: me.person.name });
    const mustAccept = this.mustAccept();
    el.agreement.hidden = !mustAccept;
    if (mustAccept) el.agreementText.textContent = me.agreement.text;
    if (me.link?.calendarUrl) el.calendar.href = me.link.calendarUrl;
    el.calendar.parentElement.hidden = mustAccept || !me.link?.calendarUrl;
    el.myData.hidden = false;

    const open = mustAccept ? null : this.openMeeting();
    el.open.hidden = !open;
    if (open) show(el.openText, open.state === 'running' ? 'group.running' : 'group.open', { n: open.number, of: open.of });

    el.progress.hidden = mustAccept || !this.page;
    if (this.page) show(el.progress, 'group.progress', { held: this.page.progress.held, planned: this.page.progress.planned });
    this.renderTask(mustAccept);
    this.renderFeedback(mustAccept);

    const upcoming = mustAccept ? [] : this.meetings.filter((m) => UPCOMING.has(m.state));
    el.none.hidden = mustAccept || upcoming.length > 0;
    el.list.hidden = upcoming.length === 0;
    el.list.replaceChildren(...upcoming.map((m) => this.meetingItem(m)));
    this.renderThemes(mustAccept);
    if (!mustAccept && this.mayStudy()) this.recordings.update(this.meetings);
    if (!mustAccept) this.myRecordings.update(this.me.person.id, this.meetings);
    if (focusedId && !el.section.contains(this.doc.activeElement)) this.doc.getElementById(focusedId)?.focus();
  }

  // mayStudy: the person may be allowed the recordings of some meeting
  // (the API has the last word). Before the API said whether a person
  // has research access, it is asked.
  mayStudy() {
    const p = this.me.person;
    return this.me.manage || p.research !== false || this.meetings.some((m) => m.chair === p.id);
  }

  // play opens the playback view of a meeting's recording in place of the
  // group page; going back returns to the button that opened it.
  // The playback code is loaded only then: most pages never need it.
  async play(meeting, list, button) {
    this.opener = button?.dataset.focus || null;
    if (!this.playback) {
      const { PlaybackView } = await import('./playback.js');
      this.playback = new PlaybackView(this.doc.getElementById('playback'), this.api, { onClose: () => this.closePlayback() });
    }
    this.inPlayback = true;
    this.el.section.hidden = true;
    this.playback.open(meeting, list);
  }

  closePlayback() {
    this.inPlayback = false;
    this.el.section.hidden = false;
    show(this.doc.querySelector('title'), 'group.title');
    const back = this.opener && this.el.section.querySelector(`[data-focus="${CSS.escape(this.opener)}"]`);
    (back || this.el.heading).focus();
  }

  meetingItem(m) {
    const hid = `meeting-${m.id}`;
    const li = h('li', { class: 'meeting', dataset: { meeting: m.id } },
      h('h3', { id: hid, i18n: m.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: m.number, of: m.of, theme: m.theme || '' } }),
      h('p', { class: 'when' }, formatWhen(m)));
    if (m.state === 'planned' && m.forecast) {
      const f = m.forecast;
      li.append(h('p', { class: `forecast ${f.reached ? 'reached' : 'needed'}`, dataset: { reached: String(f.reached), needed: String(f.needed) }, i18n: f.reached ? 'group.quorumReached' : 'group.quorumNeeded', i18nParams: { coming: f.coming, quorum: f.quorum, needed: f.needed } }));
    }
    if (m.chair) {
      const chair = this.page.people.find((p) => p.id === m.chair);
      li.append(h('p', { class: 'chair', i18n: m.chair === this.me.person.id ? 'group.youChair' : 'group.chairedBy', i18nParams: { name: chair?.name || '' } }));
    }
    // The chair of a meeting opens its room, as a facilitator does.
    if (m.state === 'planned' && m.chair === this.me.person.id && !this.me.manage) {
      const status = h('p', { class: 'open-status', role: 'status' });
      li.append(h('p', {}, h('button', {
        type: 'button', class: 'primary open-room chair-open', 'aria-describedby': hid, i18n: 'group.openRoom',
        onclick: async (e) => {
          e.currentTarget.disabled = true;
          await this.save(status, () => this.api.call('POST', path`/api/v1/meetings/${m.id}/open`));
          if (this.openMeeting()) this.el.join.focus();
        },
      })), status);
    }
    if (m.state !== 'running') li.append(this.rsvpFieldset(m, hid));
    if (m.state === 'planned' && m.poll?.open) li.append(this.pollFieldset(m, hid));
    const ics = this.meetingICS(m);
    if (ics) li.append(h('p', { class: 'meeting-ics' }, h('a', { href: ics, download: '', class: 'ics', 'aria-describedby': hid, i18n: 'group.meetingICS' })));
    return li;
  }

  // meetingICS is the one-event calendar file of a meeting, beside the
  // feed (BASE/cal/TOKEN.ics): BASE/cal/TOKEN/MEETING.ics.
  meetingICS(m) {
    const feed = this.me.link?.calendarUrl;
    if (!feed || !feed.endsWith('.ics') || m.state === 'cancelled') return null;
    return `${feed.slice(0, -'.ics'.length)}/${encodeURIComponent(m.id)}.ics`;
  }

  // renderThemes shows the themes proposed for the group's meetings, and
  // (to members and facilitators) a form to propose one.
  renderThemes(mustAccept) {
    const { el } = this;
    const themes = this.page?.group?.themes || [];
    const mayPropose = this.me.person.role !== 'observer';
    el.themes.hidden = mustAccept || !this.page || (!themes.length && !mayPropose);
    if (el.themes.hidden) {
      el.themes.replaceChildren();
      return;
    }
    const names = new Map(this.page.people.map((p) => [p.id, p.name]));
    const numbers = new Map(this.meetings.map((m) => [m.id, m.number]));
    const parts = [h('h2', { id: 'themes-heading', i18n: 'group.themes' })];
    if (themes.length && !this.me.manage) {
      parts.push(h('ul', { class: 'theme-list' }, themes.map((tp) => h('li', { dataset: { theme: tp.id } },
        h('span', { class: 'theme-text' }, tp.text), ' ',
        h('span', { class: 'hint', i18n: 'manage.themeBy', i18nParams: { name: names.get(tp.by) || '?' } }),
        tp.chosenFor && numbers.get(tp.chosenFor) ? h('span', { class: 'chosen', i18n: 'manage.themeChosenFor', i18nParams: { n: numbers.get(tp.chosenFor) } }) : null))));
    } else if (!themes.length) {
      parts.push(h('p', { class: 'hint', i18n: 'group.themesNone' }));
    }
    if (mayPropose) {
      const status = h('p', { class: 'theme-status', role: 'status' });
      const input = h('input', { type: 'text', id: 'theme-text', maxlength: 200, autocomplete: 'off', value: this.themeDraft });
      input.addEventListener('input', () => { this.themeDraft = input.value; });
      parts.push(h('form', {
        class: 'inline-form propose-theme',
        onsubmit: async (e) => {
          e.preventDefault();
          const text = input.value.trim();
          if (!text) {
            show(status, 'group.themeEmpty');
            status.classList.add('problem');
            input.focus();
            return;
          }
          this.themeDraft = '';
          await this.save(status, () => this.api.call('POST', path`/api/v1/groups/${this.me.group.id}/themes`, { text }), '.theme-status');
          this.el.themes.querySelector('#theme-text')?.focus();
        },
      },
      h('label', { for: 'theme-text', i18n: 'group.themePropose' }), input,
      h('button', { type: 'submit', i18n: 'group.themeSend' })), status);
    }
    const refocus = this.doc.activeElement?.id === 'theme-text';
    el.themes.replaceChildren(...parts);
    if (refocus) el.themes.querySelector('#theme-text')?.focus();
  }

  // rsvpFieldset is the person's answer as three radio buttons: one tab
  // stop, arrow keys to choose, each choice saved at once.
  rsvpFieldset(m, headingId) {
    const current = m.rsvps?.[this.me.person.id];
    const status = h('p', { class: 'rsvp-status', role: 'status' });
    const fs = h('fieldset', { class: 'rsvp', 'aria-describedby': headingId }, h('legend', { i18n: 'group.rsvpQuestion' }));
    for (const a of ANSWERS) {
      const id = `rsvp-${m.id}-${a}`;
      const input = h('input', { type: 'radio', name: `rsvp-${m.id}`, id, value: a, checked: current?.answer === a && !current.stale });
      input.addEventListener('change', () => this.answer(m, a, status));
      fs.append(h('span', { class: 'choice' }, input, h('label', { for: id, i18n: `group.answer.${a}` })));
    }
    if (current?.stale) show(status, 'group.answerStale');
    fs.append(status);
    return fs;
  }

  // pollFieldset asks which of the proposed times suit the person: a
  // checkbox per time, saved with one button.
  pollFieldset(m, headingId) {
    const me = this.me.person.id;
    const status = h('p', { class: 'poll-status', role: 'status' });
    const boxes = m.poll.options.map((o, i) => h('input', { type: 'checkbox', id: `poll-${m.id}-${i}`, value: String(i), checked: o.suits.includes(me) }));
    return h('fieldset', { class: 'poll', 'aria-describedby': headingId },
      h('legend', { i18n: 'group.pollQuestion' }),
      m.poll.options.map((o, i) => h('span', { class: 'choice' }, boxes[i],
        h('label', { for: boxes[i].id }, formatStart(o.start, m.timeZone), ' ', h('span', { class: 'hint', i18n: 'group.pollCount', i18nParams: { n: o.suits.length } })))),
      h('button', {
        type: 'button', class: 'save-poll', i18n: 'group.pollSave',
        onclick: () => this.save(status,
          () => this.api.call('PUT', path`/api/v1/meetings/${m.id}/poll/marks`, { suits: boxes.filter((b) => b.checked).map((b) => Number(b.value)) }),
          `[data-meeting="${CSS.escape(m.id)}"] .poll-status`),
      }),
      status);
  }

  // renderTask shows the task set for next time; a member marks it done
  // and writes a note, private or shared with the group. Shared notes
  // show by name.
  renderTask(mustAccept) {
    const { task, el } = this;
    el.task.hidden = mustAccept || !task || !task.current;
    if (el.task.hidden) {
      el.task.replaceChildren();
      return;
    }
    const parts = [
      h('h2', { id: 'task-heading', i18n: 'group.taskHeading' }),
      h('p', { class: 'task-from', i18n: 'group.taskFrom', i18nParams: { n: task.number } }),
      h('p', { class: 'task-text' }, task.text),
    ];
    if (this.me.person.role === 'member') parts.push(this.noteForm(task));
    if (task.shared?.length) {
      parts.push(h('h3', { i18n: 'group.sharedNotes' }), h('ul', { class: 'shared-notes' }, task.shared.map((n) => h('li', {},
        h('strong', {}, n.name), n.done ? h('span', { class: 'done', i18n: 'group.noteDone' }) : null, n.note ? h('span', {}, ': ', n.note) : null))));
    }
    el.task.replaceChildren(...parts);
  }

  noteForm(task) {
    const mine = task.mine || { done: false, note: '', shared: false };
    const done = h('input', { type: 'checkbox', id: 'note-done', checked: mine.done });
    const note = h('textarea', { id: 'note-text', rows: 3, maxlength: 1000, value: mine.note || '' });
    note.value = mine.note || '';
    const shared = h('input', { type: 'checkbox', id: 'note-shared', checked: mine.shared });
    const status = h('p', { class: 'note-status', role: 'status' });
    return h('form', {
      class: 'note-form',
      onsubmit: (e) => {
        e.preventDefault();
        this.save(status,
          () => this.api.call('PUT', path`/api/v1/meetings/${task.meetingId}/task/note`, { done: done.checked, note: note.value.trim(), shared: shared.checked }),
          '.note-status');
      },
    },
    h('p', { class: 'choice' }, done, h('label', { for: 'note-done', i18n: 'group.noteDoneLabel' })),
    h('label', { for: 'note-text', i18n: 'group.noteLabel' }), note,
    h('p', { class: 'choice' }, shared, h('label', { for: 'note-shared', i18n: 'group.noteShared' })),
    h('p', { class: 'hint', i18n: 'group.notePrivacy' }),
    h('button', { type: 'submit', i18n: 'group.noteSave' }),
    status);
  }

  // renderFeedback asks about the last meeting, once, while feedback is
  // open; it shows the group only the average and the count.
  renderFeedback(mustAccept) {
    const { feedback: f, el } = this;
    el.feedback.hidden = mustAccept || !f || !(f.canAnswer || f.answered || f.shown);
    if (el.feedback.hidden) {
      el.feedback.replaceChildren();
      return;
    }
    const parts = [h('h2', { id: 'feedback-heading', i18n: 'group.feedbackHeading', i18nParams: { n: f.number } })];
    if (f.canAnswer) parts.push(this.feedbackForm(f));
    else if (f.answered) parts.push(h('p', { class: 'feedback-thanks', i18n: 'group.feedbackThanks' }));
    parts.push(h('p', { class: 'feedback-summary', i18n: f.shown ? 'group.feedbackSummary' : 'group.feedbackCount', i18nParams: { average: f.average ?? '', count: f.count } }));
    el.feedback.replaceChildren(...parts);
  }

  feedbackForm(f) {
    const status = h('p', { class: 'feedback-status', role: 'status' });
    const radios = SCORES.map((n) => h('input', { type: 'radio', name: 'feedback-score', id: `score-${n}`, value: String(n) }));
    const comment = h('textarea', { id: 'feedback-comment', rows: 2, maxlength: 1000 });
    return h('form', {
      class: 'feedback-form',
      onsubmit: (e) => {
        e.preventDefault();
        const picked = radios.find((r) => r.checked);
        if (!picked) {
          show(status, 'group.feedbackPick');
          status.classList.add('problem');
          radios[0].focus();
          return;
        }
        const body = { score: Number(picked.value) };
        if (comment.value.trim()) body.comment = comment.value.trim();
        this.save(status, () => this.api.call('POST', path`/api/v1/meetings/${f.meetingId}/feedback`, body), '.feedback-thanks');
      },
    },
    h('fieldset', { class: 'scores' }, h('legend', { i18n: 'group.feedbackQuestion' }),
      radios.map((r, i) => h('span', { class: 'choice' }, r, h('label', { for: r.id, i18n: `group.score.${i + 1}` })))),
    h('label', { for: 'feedback-comment', i18n: 'group.feedbackComment' }), comment,
    h('p', { class: 'hint', i18n: 'group.feedbackPrivacy' }),
    h('button', { type: 'submit', class: 'primary', i18n: 'group.feedbackSend' }),
    status);
  }

  // downloadMyData saves everything piiri stores about the person as a
  // JSON file (GET /api/v1/people/{person}/data).
  async downloadMyData() {
    const { myDataButton: button, myDataStatus: status } = this.el;
    button.disabled = true;
    try {
      const blob = await this.api.blob(path`/api/v1/people/${this.me.person.id}/data`);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: 'piiri-my-data.json', hidden: true });
      this.doc.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      show(status, 'manage.downloaded');
    } catch (err) {
      console.warn('piiri: my data', err.code, err.message);
      show(status, 'manage.failed');
    } finally {
      button.disabled = false;
    }
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
}
