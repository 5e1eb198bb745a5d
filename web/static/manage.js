// The facilitator's half of a group page, which the admin page shows
// too: the programme and its count ("3 of 8 meetings held"), the next
// meeting with everyone's answer and a clear quorum signal, moving,
// cancelling and time polls, the people with their links to copy and a
// printable invitation sheet, and the reports to download. Everything
// comes from GET /api/v1/groups/{group} and goes back through the API;
// the server decides what the token may do, this page only offers it.
import { label, lang, show, t } from './i18n.js';
import { path } from './api.js';
import { errorKey, formatStart, formatWhen, h, localInput } from './dom.js';

const ROLES = ['member', 'observer', 'facilitator'];
const REPORTS = ['meetings', 'people', 'organisations'];
// How often an open page asks again, so that a facilitator sees answers
// come in (the quorum signal change) without reloading.
const REFRESH_MS = 10000;

export class ManagePage {
  // container is emptied and filled; api carries the token; onChange is
  // told after every change made here (the page around it may show the
  // same meetings).
  constructor(container, api, groupId, { headingLevel = 2, onChange = null } = {}) {
    this.onChange = onChange;
    this.container = container;
    this.api = api;
    this.groupId = groupId;
    this.level = headingLevel;
    this.page = null;
    this.task = null; // the group's current task (GET .../task)
    this.status = h('p', { class: 'manage-status', role: 'status' });
    this.invitations = document.getElementById('invitations');
    this.timer = null;
    this.onLang = () => { if (this.page) this.render(); };
    addEventListener('piiri:lang', this.onLang);
  }

  async load() {
    await this.fetchPage();
    this.render();
    this.schedule();
    return this.page;
  }

  // fetchPage reads the group page and the group's current task.
  async fetchPage() {
    const [page, task] = await Promise.all([
      this.api.call('GET', path`/api/v1/groups/${this.groupId}`),
      this.api.call('GET', path`/api/v1/groups/${this.groupId}/task`),
    ]);
    this.page = page;
    this.task = task.task;
  }

  stop() {
    clearTimeout(this.timer);
    removeEventListener('piiri:lang', this.onLang);
    this.container.replaceChildren();
  }

  // schedule asks again in a while, while the page is shown; an answer
  // that changed nothing, or one that comes while the person is typing
  // in a form, is not rendered (it would take their focus and text).
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      if (document.visibilityState === 'visible' && this.container.isConnected) {
        try {
          const before = JSON.stringify([this.page, this.task]);
          const typing = this.container.contains(document.activeElement) && document.activeElement.matches('input, select, textarea');
          if (!typing) {
            await this.fetchPage();
            if (JSON.stringify([this.page, this.task]) !== before) this.render();
          }
        } catch (err) {
          console.warn('piiri: refresh the group', err.code);
        }
      }
      if (this.container.isConnected) this.schedule();
    }, REFRESH_MS);
  }

  heading(key, params, id) {
    return h(`h${this.level}`, { id, i18n: key, i18nParams: params });
  }

  render() {
    // Focus stays on the same control across a render, by its data-focus.
    const focused = this.container.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    this.container.replaceChildren(
      this.status,
      this.programme(),
      this.taskPart(),
      this.next(),
      this.people(),
      this.settings(),
      this.reports(),
    );
    if (focused) this.container.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  // act runs one change through the API, then shows the group as it is
  // now and says doneKey (a key, or a key and its parameters); it
  // resolves to whether the change was made.
  async act(button, doneKey, fn) {
    if (button) button.disabled = true;
    show(this.status, 'group.saving');
    this.status.classList.remove('problem');
    try {
      await fn();
      await this.fetchPage();
      this.render();
      show(this.status, ...[doneKey].flat());
      this.onChange?.();
      return true;
    } catch (err) {
      console.warn('piiri: manage', err.code, err.message);
      const key = errorKey(err, 'manage.failed');
      show(this.status, key, { field: err.field || '', message: err.message });
      this.status.classList.add('problem');
      if (button) button.disabled = false;
      return false;
    }
  }

  programme() {
    const { progress, meetings } = this.page;
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-programme' },
      this.heading('manage.programme', null, 'manage-programme'),
      h('p', { class: 'progress', i18n: 'manage.progress', i18nParams: { held: progress.held, planned: progress.planned } }),
    );
    if (progress.cancelled) section.append(h('p', { i18n: 'manage.cancelledCount', i18nParams: { n: progress.cancelled } }));
    const missing = progress.planned - progress.scheduled;
    if (missing > 0) {
      const input = h('input', { type: 'datetime-local', id: 'programme-first', required: true, 'data-focus': 'programme-first' });
      const button = h('button', { type: 'submit', class: 'primary', i18n: 'manage.plan', 'data-focus': 'programme-plan' });
      section.append(h('form', {
        class: 'inline-form',
        onsubmit: (e) => {
          e.preventDefault();
          if (!input.value) { input.focus(); return; }
          this.act(button, 'manage.planned', () => this.api.call('POST', path`/api/v1/groups/${this.groupId}/programme`, { first: input.value }));
        },
      },
      h('label', { for: 'programme-first', i18n: meetings.length ? 'manage.planRest' : 'manage.planFirst', i18nParams: { n: missing } }),
      input, button));
    }
    if (meetings.length) {
      section.append(h('table', { class: 'manage-table' },
        h('caption', { class: 'visually-hidden', i18n: 'manage.programme' }),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', i18n: 'manage.col.meeting' }),
          h('th', { scope: 'col', i18n: 'manage.col.when' }),
          h('th', { scope: 'col', i18n: 'manage.col.state' }))),
        h('tbody', {}, meetings.map((m) => h('tr', { dataset: { meeting: m.id } },
          h('th', { scope: 'row', i18n: m.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: m.number || '–', of: m.of, theme: m.theme || '' } }),
          h('td', {}, formatWhen(m)),
          h('td', { class: `state state-${m.state}${m.count?.held ? ' held' : ''}`, i18n: stateKey(m) }))))));
    }
    return section;
  }

  // taskPart is the task for next time, set (or changed) here after the
  // meeting when it was not set in the room: for the meeting that ended
  // last, while no later one has ended.
  taskPart() {
    const ended = this.page.meetings.filter((m) => m.state === 'ended');
    const last = ended[ended.length - 1];
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-task' }, this.heading('manage.task', null, 'manage-task'));
    if (!last) {
      section.append(h('p', { class: 'hint', i18n: 'manage.taskNone' }));
      return section;
    }
    const current = this.task && this.task.meetingId === last.id ? this.task : null;
    const input = h('textarea', { id: 'manage-task-text', rows: 3, maxlength: 2000, 'data-focus': 'task-text' });
    input.value = current?.text || '';
    const button = h('button', { type: 'submit', 'data-focus': 'task-save', i18n: 'manage.taskSave' });
    section.append(h('form', {
      class: 'task-form',
      onsubmit: (e) => {
        e.preventDefault();
        this.act(button, 'manage.taskSaved', () => this.api.call('PUT', path`/api/v1/meetings/${last.id}/task`, { text: input.value.trim() }));
      },
    }, h('label', { for: 'manage-task-text', i18n: 'manage.taskFor', i18nParams: { n: last.number } }), input, button));
    if (current?.shared?.length) section.append(h('p', { class: 'hint', i18n: 'manage.taskNotes', i18nParams: { n: current.shared.length } }));
    return section;
  }

  next() {
    const m = this.page.next;
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-next' }, this.heading('manage.next', null, 'manage-next'));
    if (!m) {
      section.append(h('p', { i18n: 'group.noMeetings' }));
      return section;
    }
    section.append(
      h('p', { class: 'next-title', i18n: m.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: m.number, of: m.of, theme: m.theme || '' } }),
      h('p', { class: 'when' }, formatWhen(m)),
    );
    if (m.state === 'planned' && m.forecast) section.append(quorumSignal(m.forecast));
    if (m.state !== 'planned') section.append(h('p', { i18n: m.state === 'running' ? 'group.running' : 'group.open', i18nParams: { n: m.number, of: m.of } }));
    section.append(this.answers(m));
    if (m.state === 'planned') {
      section.append(h('button', {
        type: 'button', class: 'primary open-room', 'data-focus': 'open-room', i18n: 'group.openRoom',
        onclick: (e) => this.act(e.currentTarget, 'manage.opened', () => this.api.call('POST', path`/api/v1/meetings/${m.id}/open`)),
      }));
      section.append(this.moveForm(m), this.poll(m), this.cancel(m));
    }
    return section;
  }

  // answers is everyone's answer for the meeting: who is coming, who is
  // not, who has not said.
  answers(m) {
    const people = this.page.people.filter((p) => p.role !== 'observer');
    return h('table', { class: 'manage-table answers' },
      h('caption', { i18n: 'manage.answers' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', i18n: 'manage.col.person' }),
        h('th', { scope: 'col', i18n: 'manage.col.answer' }))),
      h('tbody', {}, people.map((p) => {
        const r = m.rsvps?.[p.id];
        const key = !r ? 'manage.noAnswer' : r.stale ? 'manage.staleAnswer' : `group.answer.${r.answer}`;
        return h('tr', { dataset: { person: p.id, answer: r ? (r.stale ? 'stale' : r.answer) : 'none' } },
          h('th', { scope: 'row' }, p.name, p.role === 'facilitator' ? h('span', { class: 'role', i18n: 'manage.role.facilitatorShort' }) : null),
          h('td', { i18n: key, i18nParams: { answer: r ? t(`group.answer.${r.answer}`) : '' } }));
      })));
  }

  moveForm(m) {
    const id = `move-${m.id}`;
    const input = h('input', { type: 'datetime-local', id, value: localInput(m.start, m.timeZone), required: true, 'data-focus': 'move-input' });
    const button = h('button', { type: 'submit', i18n: 'manage.move', 'data-focus': 'move' });
    return h('form', {
      class: 'inline-form',
      onsubmit: (e) => {
        e.preventDefault();
        if (!input.value) { input.focus(); return; }
        this.act(button, 'manage.moved', () => this.api.call('POST', path`/api/v1/meetings/${m.id}/move`, { start: input.value }));
      },
    }, h('label', { for: id, i18n: 'manage.moveTo' }), input, button);
  }

  // poll is the meeting's time poll: the options with who each suits and
  // a way to choose one, or a form to ask the group about 2–4 times.
  poll(m) {
    const box = h('div', { class: 'poll' }, h(`h${this.level + 1}`, { i18n: 'manage.poll' }));
    const names = new Map(this.page.people.map((p) => [p.id, p.name]));
    if (m.poll?.open) {
      box.append(h('ul', { class: 'poll-options' }, m.poll.options.map((o, i) => h('li', {},
        h('span', { class: 'poll-time' }, formatStart(o.start, m.timeZone)), ' ',
        h('span', { class: 'poll-count', i18n: 'manage.pollSuits', i18nParams: { n: o.suits.length, names: o.suits.map((id) => names.get(id) || '?').join(', ') || '–' } }), ' ',
        h('button', {
          type: 'button', 'data-focus': `pick-${i}`, i18n: 'manage.pollPick', i18nParams: { time: formatStart(o.start, m.timeZone) },
          onclick: (e) => this.act(e.currentTarget, 'manage.moved', () => this.api.call('POST', path`/api/v1/meetings/${m.id}/poll/pick`, { option: i })),
        })))),
      h('button', {
        type: 'button', 'data-focus': 'poll-withdraw', i18n: 'manage.pollWithdraw',
        onclick: (e) => this.act(e.currentTarget, 'manage.pollWithdrawn', () => this.api.call('DELETE', path`/api/v1/meetings/${m.id}/poll`)),
      }));
      return box;
    }
    const inputs = [0, 1, 2, 3].map((i) => h('input', { type: 'datetime-local', id: `poll-${i}`, 'data-focus': `poll-${i}` }));
    const button = h('button', { type: 'submit', i18n: 'manage.pollAsk', 'data-focus': 'poll-ask' });
    box.append(h('p', { class: 'hint', i18n: 'manage.pollHint' }), h('form', {
      class: 'poll-form',
      onsubmit: (e) => {
        e.preventDefault();
        const starts = inputs.map((x) => x.value).filter(Boolean);
        if (starts.length < 2) {
          show(this.status, 'manage.pollTwo');
          this.status.classList.add('problem');
          inputs[starts.length].focus();
          return;
        }
        this.act(button, 'manage.pollAsked', () => this.api.call('POST', path`/api/v1/meetings/${m.id}/poll`, { starts }));
      },
    }, inputs.map((x, i) => h('span', { class: 'field' }, h('label', { for: x.id, i18n: 'manage.pollOption', i18nParams: { n: i + 1 } }), x)), button));
    return box;
  }

  // cancel asks once more before it cancels: a cancelled meeting cannot
  // be brought back.
  cancel(m) {
    const box = h('div', { class: 'cancel' });
    const ask = h('button', { type: 'button', class: 'danger-text', 'data-focus': 'cancel', i18n: 'manage.cancel' });
    const confirm = h('div', { class: 'confirm', hidden: true },
      h('p', { i18n: 'manage.cancelSure', i18nParams: { n: m.number } }),
      h('button', {
        type: 'button', class: 'danger', 'data-focus': 'cancel-yes', i18n: 'manage.cancelYes',
        onclick: (e) => this.act(e.currentTarget, 'manage.cancelled', () => this.api.call('POST', path`/api/v1/meetings/${m.id}/cancel`)),
      }),
      h('button', { type: 'button', i18n: 'manage.cancelNo', onclick: () => { confirm.hidden = true; ask.hidden = false; ask.focus(); } }));
    ask.addEventListener('click', () => { ask.hidden = true; confirm.hidden = false; confirm.querySelector('.danger').focus(); });
    box.append(ask, confirm);
    return box;
  }

  people() {
    const { people } = this.page;
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-people' },
      this.heading('manage.people', null, 'manage-people'),
      h('p', { class: 'hint', i18n: 'manage.linksHint' }));
    section.append(h('table', { class: 'manage-table people' },
      h('caption', { class: 'visually-hidden', i18n: 'manage.people' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', i18n: 'manage.col.person' }),
        h('th', { scope: 'col', i18n: 'manage.col.role' }),
        h('th', { scope: 'col', i18n: 'manage.col.link' }),
        h('th', { scope: 'col', i18n: 'manage.col.research' }))),
      h('tbody', {}, people.map((p) => h('tr', { dataset: { person: p.id } },
        h('th', { scope: 'row', id: `person-${p.id}` }, p.name, p.organisation ? h('span', { class: 'org' }, p.organisation) : null,
          p.agreementAccepted ? null : h('span', { class: 'pending', i18n: 'manage.notAccepted' })),
        h('td', { i18n: `manage.role.${p.role}` }),
        h('td', { class: 'link-cell' }, this.linkCell(p)),
        h('td', { class: 'research-cell' }, this.researchCell(p)))))));
    section.append(h('p', { class: 'hint', i18n: 'manage.researchHint' }), this.addForm(), h('button', {
      type: 'button', id: 'print-invitations', 'data-focus': 'print', i18n: 'manage.print', onclick: () => this.print(),
    }));
    return section;
  }

  linkCell(p) {
    if (!p.link) {
      return [h('span', { i18n: 'manage.revoked' }), ' ', h('button', {
        type: 'button', 'data-focus': `relink-${p.id}`, i18n: 'manage.newLink', i18nParams: { name: p.name },
        onclick: (e) => this.act(e.currentTarget, 'manage.linked', () => this.api.call('POST', path`/api/v1/people/${p.id}/link`)),
      })];
    }
    const input = h('input', { type: 'text', readonly: true, class: 'link', value: p.link.url });
    label(input, 'manage.linkOf', { name: p.name });
    input.addEventListener('focus', () => input.select());
    const button = h('button', {
      type: 'button', class: 'copy', 'data-focus': `copy-${p.id}`, 'aria-describedby': `person-${p.id}`,
      i18n: 'manage.copy', onclick: () => copy(input, this.status, p.name),
    });
    return [input, button];
  }

  // researchCell grants or takes back the study of the group's recordings
  // and speaking turns (a facilitator has it anyway).
  researchCell(p) {
    if (p.role === 'facilitator') return h('span', { class: 'hint', i18n: 'manage.researchAlways' });
    const box = h('input', { type: 'checkbox', class: 'research', checked: p.research === true, 'data-focus': `research-${p.id}` });
    label(box, 'manage.researchOf', { name: p.name });
    box.addEventListener('change', async () => {
      const granted = box.checked;
      const ok = await this.act(box, [granted ? 'manage.researchGranted' : 'manage.researchRevoked', { name: p.name }],
        () => this.api.call('PUT', path`/api/v1/people/${p.id}/research`, { granted }));
      if (!ok) box.checked = !granted;
    });
    return box;
  }

  addForm() {
    const field = (id, key, input) => h('span', { class: 'field' }, h('label', { for: id, i18n: key }), input);
    const hasFacilitator = this.page.people.some((p) => p.role === 'facilitator');
    const name = h('input', { id: 'add-name', required: true, maxlength: 64, autocomplete: 'off' });
    const role = h('select', { id: 'add-role' }, ROLES.map((r) => h('option', { value: r, i18n: `manage.role.${r}` })));
    role.value = hasFacilitator ? 'member' : 'facilitator';
    const org = h('input', { id: 'add-org', maxlength: 200, autocomplete: 'off' });
    const email = h('input', { id: 'add-email', type: 'email', autocomplete: 'off' });
    const button = h('button', { type: 'submit', class: 'primary', 'data-focus': 'add', i18n: 'manage.add' });
    return h('form', {
      class: 'add-person',
      'aria-labelledby': 'add-heading',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!name.value.trim()) { name.focus(); show(this.status, 'manage.nameMissing'); this.status.classList.add('problem'); return; }
        const body = { name: name.value.trim(), role: role.value };
        if (org.value.trim()) body.organisation = org.value.trim();
        if (email.value.trim()) body.email = email.value.trim();
        const ok = await this.act(button, 'manage.added', () => this.api.call('POST', path`/api/v1/groups/${this.groupId}/people`, body));
        if (ok) this.container.querySelector('#add-name')?.focus();
      },
    },
    h(`h${this.level + 1}`, { id: 'add-heading', i18n: 'manage.addHeading' }),
    field('add-name', 'manage.name', name), field('add-role', 'manage.col.role', role),
    field('add-org', 'manage.organisation', org), field('add-email', 'manage.email', email), button);
  }

  // print fills the invitation sheet, one page per person with their
  // link, and opens the browser's print dialog; the sheet is shown only
  // in print.
  print() {
    const { group, people, next } = this.page;
    this.invitations.replaceChildren(...people.filter((p) => p.link).map((p) => h('article', { class: 'invitation' },
      h('h1', {}, group.name),
      h('p', { i18n: 'invite.hello', i18nParams: { name: p.name } }),
      h('p', { i18n: 'invite.body' }),
      h('p', { class: 'invite-link' }, p.link.url),
      next ? h('p', { i18n: 'invite.next', i18nParams: { when: formatWhen(next) } }) : null,
      h('p', { i18n: 'invite.private' }))));
    document.body.classList.add('printing');
    addEventListener('afterprint', () => document.body.classList.remove('printing'), { once: true });
    window.print();
  }

  // settings: how the group's meetings run: the order of a round, the
  // recording rule, and whether the facilitator sees the balance of talk
  // time live.
  settings() {
    const g = this.page.group;
    const choice = (name, value, key) => h('p', { class: 'choice' },
      h('input', { type: 'radio', name, id: `${name}-${value}`, value, checked: g[name] === value, 'data-focus': `${name}-${value}` }), ' ',
      h('label', { for: `${name}-${value}`, i18n: key }));
    const live = h('input', { type: 'checkbox', id: 'setting-live-balance', checked: !!g.liveBalance, 'data-focus': 'setting-live-balance' });
    const button = h('button', { type: 'submit', class: 'primary', i18n: 'manage.settingsSave', 'data-focus': 'settings-save' });
    return h('section', { class: 'manage-part', 'aria-labelledby': 'manage-settings' },
      this.heading('manage.settings', null, 'manage-settings'),
      h('form', {
        class: 'settings-form',
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(e.currentTarget);
          const patch = { roundOrder: f.get('roundOrder'), consentMode: f.get('consentMode'), liveBalance: live.checked };
          this.act(button, 'manage.settingsSaved', () => this.api.call('PATCH', path`/api/v1/groups/${this.groupId}`, patch));
        },
      },
      h('fieldset', {}, h('legend', { i18n: 'manage.roundOrder' }),
        choice('roundOrder', 'shuffled', 'manage.roundShuffled'),
        choice('roundOrder', 'alphabetical', 'manage.roundAlphabetical')),
      h('fieldset', {}, h('legend', { i18n: 'manage.consentMode' }),
        choice('consentMode', 'strict', 'manage.consentStrict'),
        choice('consentMode', 'per_person', 'manage.consentPerPerson')),
      h('p', { class: 'choice' }, live, ' ', h('label', { for: 'setting-live-balance', i18n: 'manage.liveBalance' })),
      h('p', { class: 'hint', i18n: 'manage.liveBalanceHint' }),
      button));
  }

  reports() {
    // Excel in a Finnish or Swedish locale wants semicolons: the default
    // when the page or the group speaks one of those.
    const semicolon = h('input', { type: 'checkbox', id: 'report-semicolon', checked: lang() !== 'en' || this.page.group.language !== 'en' });
    return h('section', { class: 'manage-part', 'aria-labelledby': 'manage-reports' },
      this.heading('manage.reports', null, 'manage-reports'),
      h('p', { class: 'hint', i18n: 'manage.reportsHint' }),
      h('p', {}, semicolon, ' ', h('label', { for: 'report-semicolon', i18n: 'manage.semicolon' })),
      h('p', { class: 'downloads' }, REPORTS.map((table) => h('button', {
        type: 'button', class: 'download', dataset: { table }, i18n: `manage.report.${table}`,
        onclick: (e) => this.download(e.currentTarget, table, semicolon.checked),
      }))));
  }

  async download(button, table, semicolon) {
    button.disabled = true;
    try {
      const blob = await this.api.blob(`${path`/api/v1/groups/${this.groupId}/report.csv`}?table=${table}${semicolon ? '&sep=semicolon' : ''}`);
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `${fileName(this.page.group.name)}-${table}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      show(this.status, 'manage.downloaded');
      this.status.classList.remove('problem');
    } catch (err) {
      show(this.status, errorKey(err, 'manage.failed'), { field: '', message: err.message });
      this.status.classList.add('problem');
    } finally {
      button.disabled = false;
    }
  }
}

// quorumSignal says in words (and colour, never colour alone) whether
// enough people are coming for the meeting to be held.
export function quorumSignal(f) {
  return h('p', { class: `quorum ${f.reached ? 'reached' : 'needed'}`, dataset: { reached: String(f.reached) } },
    h('span', { class: 'quorum-mark', 'aria-hidden': 'true' }, f.reached ? '✓' : '!'), ' ',
    h('span', { i18n: f.reached ? 'manage.quorumReached' : 'manage.quorumNeeded', i18nParams: { coming: f.coming, quorum: f.quorum, needed: f.needed } }));
}

function stateKey(m) {
  if (m.state === 'ended') return m.count?.held ? 'manage.state.held' : m.count?.final ? 'manage.state.notHeld' : 'manage.state.ended';
  return `manage.state.${m.state}`;
}

// copy puts a link on the clipboard; where the browser refuses, the link
// is selected for the person to copy themselves.
async function copy(input, status, name) {
  status.classList.remove('problem');
  try {
    await navigator.clipboard.writeText(input.value);
    show(status, 'manage.copied', { name });
  } catch {
    input.focus();
    input.select();
    show(status, 'manage.copyYourself');
  }
}

function fileName(s) {
  return s.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'piiri';
}
