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
  constructor(container, api, groupId, { headingLevel = 2, onChange = null, onHandedOver = null } = {}) {
    this.onChange = onChange;
    this.onHandedOver = onHandedOver; // told after the facilitator handed the group over
    this.container = container;
    this.api = api;
    this.groupId = groupId;
    this.level = headingLevel;
    this.page = null;
    this.task = null; // the group's current task (GET .../task)
    this.feedback = null; // GET .../feedback: each ended meeting's count and average
    // Unsaved phase lists by editor ('group', or 'meeting:ID'), kept
    // across renders so that a refresh never throws away an edit.
    this.drafts = new Map();
    this.status = h('p', { class: 'manage-status', role: 'status' });
    this.invitations = document.getElementById('invitations');
    this.timer = null;
    this.onLang = () => { if (this.page) this.render(); };
    document.addEventListener('piiri:lang', this.onLang);
  }

  async load() {
    await this.fetchPage();
    this.render();
    this.schedule();
    return this.page;
  }

  // fetchPage reads the group page and the group's current task.
  async fetchPage() {
    const [page, task, feedback] = await Promise.all([
      this.api.call('GET', path`/api/v1/groups/${this.groupId}`),
      this.api.call('GET', path`/api/v1/groups/${this.groupId}/task`),
      this.api.call('GET', path`/api/v1/groups/${this.groupId}/feedback`).catch(() => null),
    ]);
    this.page = page;
    this.task = task.task;
    this.feedback = feedback;
  }

  stop() {
    clearTimeout(this.timer);
    document.removeEventListener('piiri:lang', this.onLang);
    this.container.replaceChildren();
  }

  // schedule asks again in a while, while the page is shown; an answer
  // that changed nothing, or one that comes while the person is typing
  // in a form or has a confirmation open (revoke, cancel, hand over), is
  // not rendered (it would take their focus and text, or close the
  // question they are about to answer).
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(async () => {
      if (document.visibilityState === 'visible' && this.container.isConnected) {
        try {
          const before = JSON.stringify([this.page, this.task, this.feedback]);
          const typing = this.container.contains(document.activeElement) && document.activeElement.matches('input, select, textarea');
          const confirming = !!this.container.querySelector('.confirm:not([hidden])');
          if (!typing && !confirming) {
            await this.fetchPage();
            if (JSON.stringify([this.page, this.task, this.feedback]) !== before) this.render();
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
      this.themes(),
      this.people(),
      this.handOver(),
      this.settings(),
      this.phasesPart(),
      this.reports(),
    );
    if (focused) this.container.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  // act runs one change through the API, then shows the group as it is
  // now and says doneKey (a key, or a key and its parameters); it
  // resolves to whether the change was made.
  //
  // With form, a refusal that names a field (the API's error.field)
  // marks that field of the form invalid, names it by its label and
  // takes the focus there; the words go to statusSelector's element
  // (the form's own status, next to it) as well as the page's.
  async act(button, doneKey, fn, { form = null, statusSelector = null } = {}) {
    if (button) button.disabled = true;
    const local = form?.querySelector('.form-status');
    for (const st of [this.status, local]) {
      if (!st) continue;
      show(st, 'group.saving');
      st.classList.remove('problem');
    }
    form?.querySelectorAll('[aria-invalid]').forEach((x) => x.removeAttribute('aria-invalid'));
    try {
      await fn();
      await this.fetchPage();
      this.render();
      show(this.status, ...[doneKey].flat());
      const again = statusSelector && this.container.querySelector(statusSelector);
      if (again) show(again, ...[doneKey].flat());
      this.onChange?.();
      return true;
    } catch (err) {
      console.warn('piiri: manage', err.code, err.message);
      let field = err.field || '';
      const input = form && field ? fieldInput(form, field) : null;
      if (input) {
        field = input.labels?.[0]?.textContent || field;
        input.setAttribute('aria-invalid', 'true');
      }
      let key = errorKey(err, 'manage.failed');
      if (form && err.code === 'conflict') key = 'manage.refused';
      for (const st of [this.status, local]) {
        if (!st) continue;
        show(st, key, { field, message: err.message });
        st.classList.add('problem');
      }
      if (button) button.disabled = false;
      input?.focus();
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
          h('th', { scope: 'col', i18n: 'manage.col.state' }),
          h('th', { scope: 'col', i18n: 'manage.col.chair' }),
          h('th', { scope: 'col', i18n: 'manage.col.feedback' }))),
        h('tbody', {}, meetings.map((m) => h('tr', { dataset: { meeting: m.id } },
          h('th', { scope: 'row', i18n: m.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: m.number || '–', of: m.of, theme: m.theme || '' } }),
          h('td', {}, formatWhen(m)),
          h('td', { class: `state state-${m.state}${m.count?.held ? ' held' : ''}`, i18n: stateKey(m) }),
          this.chairCell(m),
          this.feedbackCell(m))))));
    }
    return section;
  }

  // chairCell plans a rotating chair ahead: each planned meeting after
  // the next one can be given to a member here (the next one has its
  // form in the next meeting's part); the others show who chaired.
  chairCell(m) {
    if (m.state === 'planned' && m.id !== this.page.next?.id) return h('td', { class: 'chair-cell' }, this.chairForm(m, { inTable: true }));
    const name = m.chair && this.page.people.find((p) => p.id === m.chair)?.name;
    return h('td', { class: 'chair-cell' }, name || '–');
  }

  // feedbackCell is a held meeting's feedback in numbers only: the
  // average (once enough have answered for it to say nothing of anyone)
  // and the count of answers. Comments stay on the feedback itself.
  feedbackCell(m) {
    const f = m.state === 'ended' ? this.feedback?.meetings?.find((x) => x.meetingId === m.id) : null;
    if (!f || !f.count) return h('td', { class: 'feedback-cell', dataset: { count: '0' } }, '–');
    const average = f.shown && f.average !== null && f.average !== undefined
      ? new Intl.NumberFormat(lang(), { minimumFractionDigits: 1, maximumFractionDigits: 2 }).format(f.average) : null;
    return h('td', {
      class: 'feedback-cell', dataset: { count: String(f.count), average: average ? String(f.average) : '' },
      i18n: average ? 'manage.feedbackAverage' : 'manage.feedbackCount', i18nParams: { average: average || '', count: f.count },
    });
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
    section.append(this.answers(m), this.chairForm(m));
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
    // One's own link is not offered for revoking here: it is the one
    // this page runs on.
    if (p.id === this.page.you?.personId) return [input, button];
    const revoke = h('button', {
      type: 'button', class: 'danger-text revoke', 'data-focus': `revoke-${p.id}`, 'aria-describedby': `person-${p.id}`, i18n: 'manage.revoke',
    });
    const focusAfter = (sel) => this.container.querySelector(`[data-focus="${CSS.escape(sel)}"]`)?.focus();
    const confirm = h('span', { class: 'confirm revoke-confirm', hidden: true },
      h('span', { i18n: 'manage.revokeSure', i18nParams: { name: p.name } }), ' ',
      h('button', {
        type: 'button', class: 'danger', 'data-focus': `revoke-yes-${p.id}`, i18n: 'manage.revokeYes',
        onclick: async (e) => {
          if (await this.act(e.currentTarget, ['manage.revokedDone', { name: p.name }], () => this.api.call('DELETE', path`/api/v1/people/${p.id}/link`))) focusAfter(`relink-${p.id}`);
        },
      }), ' ',
      h('button', {
        type: 'button', class: 'replace-link', 'data-focus': `replace-${p.id}`, i18n: 'manage.replaceLink',
        onclick: async (e) => {
          if (await this.act(e.currentTarget, 'manage.linked', () => this.api.call('POST', path`/api/v1/people/${p.id}/link`))) focusAfter(`copy-${p.id}`);
        },
      }), ' ',
      h('button', { type: 'button', i18n: 'manage.revokeNo', onclick: () => { confirm.hidden = true; revoke.hidden = false; revoke.focus(); } }));
    revoke.addEventListener('click', () => { revoke.hidden = true; confirm.hidden = false; confirm.querySelector('.danger').focus(); });
    return [input, button, ' ', revoke, confirm];
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
      button),
      this.groupSettings(),
      this.agreementForm());
  }

  // chairForm hands the running of one meeting to a member (a rotating
  // chair, who may then open, start, run and end it), or takes it back.
  // In the programme table (inTable) it is one row's compact form, its
  // label read by screen readers only.
  chairForm(m, { inTable = false } = {}) {
    const members = this.page.people.filter((p) => p.role === 'member');
    const id = inTable ? `chair-row-${m.id}` : `chair-${m.id}`;
    const names = new Map(this.page.people.map((p) => [p.id, p.name]));
    const select = h('select', { id, 'data-focus': inTable ? `chair-select-${m.id}` : 'chair-select' },
      h('option', { value: '', i18n: 'manage.chairNone' }),
      members.map((p) => h('option', { value: p.id }, p.name)));
    select.value = m.chair || '';
    const button = h('button', { type: 'submit', class: 'set-chair', 'data-focus': inTable ? `chair-save-${m.id}` : 'chair-save', i18n: 'manage.chairSave' });
    return h('form', {
      class: inTable ? 'chair-row-form' : 'inline-form chair-form',
      onsubmit: (e) => {
        e.preventDefault();
        const to = select.value;
        this.act(button, to ? ['manage.chairSet', { name: names.get(to) || '', n: m.number }] : 'manage.chairTaken',
          () => this.api.call('PUT', path`/api/v1/meetings/${m.id}/chair`, { to }));
      },
    },
    h('label', { for: id, class: inTable ? 'visually-hidden' : null, i18n: 'manage.chairLabel', i18nParams: { n: m.number } }), select, button,
    m.chair && !inTable ? h('p', { class: 'hint chair-now', i18n: 'manage.chairNow', i18nParams: { name: names.get(m.chair) || '?' } }) : null);
  }

  // themes: what the members have proposed, and the facilitator's choice
  // of a proposal for a meeting that has not yet run.
  themes() {
    const { themes } = this.page.group;
    const names = new Map(this.page.people.map((p) => [p.id, p.name]));
    const numbers = new Map(this.page.meetings.map((m) => [m.id, m.number]));
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-themes' },
      this.heading('manage.themes', null, 'manage-themes'));
    if (!themes?.length) {
      section.append(h('p', { class: 'hint', i18n: 'manage.themesNone' }));
      return section;
    }
    section.append(h('ul', { class: 'theme-list' }, themes.map((tp) => h('li', { dataset: { theme: tp.id } },
      h('span', { class: 'theme-text' }, tp.text), ' ',
      h('span', { class: 'hint', i18n: 'manage.themeBy', i18nParams: { name: names.get(tp.by) || '?' } }),
      tp.chosenFor && numbers.get(tp.chosenFor) ? h('span', { class: 'chosen', i18n: 'manage.themeChosenFor', i18nParams: { n: numbers.get(tp.chosenFor) } }) : null))));
    const open = this.page.meetings.filter((m) => m.state === 'planned' || m.state === 'open');
    if (!open.length) return section;
    const pick = h('select', { id: 'theme-pick', 'data-focus': 'theme-pick' }, themes.map((tp) => h('option', { value: tp.id }, tp.text)));
    const unchosen = themes.find((tp) => !tp.chosenFor);
    if (unchosen) pick.value = unchosen.id;
    const meeting = h('select', { id: 'theme-meeting', 'data-focus': 'theme-meeting' }, open.map((m) => h('option', {
      value: m.id, i18n: m.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: m.number, of: m.of, theme: m.theme || '' },
    })));
    const button = h('button', { type: 'submit', class: 'choose-theme', 'data-focus': 'theme-choose', i18n: 'manage.themeChoose' });
    section.append(h('form', {
      class: 'inline-form theme-form',
      onsubmit: (e) => {
        e.preventDefault();
        const n = numbers.get(meeting.value);
        this.act(button, ['manage.themeChosen', { n }], () => this.api.call('PUT', path`/api/v1/meetings/${meeting.value}/theme`, { proposalId: pick.value }));
      },
    },
    h('span', { class: 'field' }, h('label', { for: 'theme-pick', i18n: 'manage.themePick' }), pick),
    h('span', { class: 'field' }, h('label', { for: 'theme-meeting', i18n: 'manage.themeMeeting' }), meeting),
    button));
    return section;
  }

  // handOver gives the group to a member for good: they become its
  // facilitator, the giver a member, or the giver leaves (their link
  // stops working). Asked once more before it is done. Only a
  // facilitator has a role to give (an admin changes roles otherwise).
  handOver() {
    const you = this.page.you;
    if (you?.role !== 'facilitator' || !you.personId) return null;
    const members = this.page.people.filter((p) => p.role === 'member');
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-handover' },
      this.heading('manage.handover', null, 'manage-handover'),
      h('p', { class: 'hint', i18n: 'manage.handoverHint' }));
    if (!members.length) {
      section.append(h('p', { class: 'hint', i18n: 'manage.handoverNoMembers' }));
      return section;
    }
    const to = h('select', { id: 'handover-to', 'data-focus': 'handover-to' }, members.map((p) => h('option', { value: p.id }, p.name)));
    const leave = h('input', { type: 'checkbox', id: 'handover-leave', 'data-focus': 'handover-leave' });
    const ask = h('button', { type: 'submit', class: 'danger-text', id: 'handover-ask', 'data-focus': 'handover-ask', i18n: 'manage.handoverAsk' });
    const sure = h('p', { id: 'handover-sure' });
    const yes = h('button', { type: 'button', class: 'danger', id: 'handover-yes', i18n: 'manage.handoverYes' });
    const status = h('p', { class: 'form-status', role: 'status' });
    const confirm = h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'handover-sure' }, sure, yes, ' ',
      h('button', { type: 'button', id: 'handover-no', i18n: 'manage.handoverNo', onclick: () => { confirm.hidden = true; ask.hidden = false; ask.focus(); } }));
    const name = () => members.find((p) => p.id === to.value)?.name || '';
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      show(status, 'group.saving');
      status.classList.remove('problem');
      const body = { to: to.value, leave: leave.checked };
      try {
        await this.api.call('POST', path`/api/v1/groups/${this.groupId}/handover`, body);
      } catch (err) {
        console.warn('piiri: hand over', err.code, err.message);
        show(status, errorKey(err, 'manage.failed'), { field: err.field || '', message: err.message });
        status.classList.add('problem');
        yes.disabled = false;
        return;
      }
      const done = { leave: body.leave, name: name() };
      this.stop();
      this.onHandedOver?.(done);
    });
    section.append(h('form', {
      class: 'handover-form',
      onsubmit: (e) => {
        e.preventDefault();
        show(sure, leave.checked ? 'manage.handoverSureLeave' : 'manage.handoverSure', { name: name() });
        ask.hidden = true;
        confirm.hidden = false;
        yes.focus();
      },
    },
    h('span', { class: 'field' }, h('label', { for: 'handover-to', i18n: 'manage.handoverTo' }), to),
    h('p', { class: 'choice' }, leave, ' ', h('label', { for: 'handover-leave', i18n: 'manage.handoverLeave' })),
    ask, confirm, status));
    return section;
  }

  // groupSettings edits the group's sizes, quorum and programme plan:
  // only what changed is sent; a refusal names its field.
  groupSettings() {
    const g = this.page.group;
    const fields = [
      ['name', 'manage.set.name', 'text', g.name],
      ['minMembers', 'manage.set.minMembers', 'number', g.minMembers],
      ['maxMembers', 'manage.set.maxMembers', 'number', g.maxMembers],
      ['quorum', 'manage.set.quorum', 'number', g.quorum],
      ['plannedMeetings', 'manage.set.plannedMeetings', 'number', g.plannedMeetings],
      ['cadence.months', 'manage.set.cadenceMonths', 'number', g.cadence.months],
      ['cadence.days', 'manage.set.cadenceDays', 'number', g.cadence.days],
      ['meetingMinutes', 'manage.set.meetingMinutes', 'number', g.meetingMinutes],
      ['minHeldMinutes', 'manage.set.minHeldMinutes', 'number', g.minHeldMinutes],
    ];
    const inputs = new Map();
    const status = h('p', { class: 'form-status', role: 'status' });
    const hints = { quorum: ['manage.set.quorumHint', { n: this.page.quorum }], minHeldMinutes: ['manage.set.minHeldHint'] };
    const row = ([field, key, type, value]) => {
      const id = `set-${field.replace('.', '-')}`;
      const hint = hints[field];
      const input = h('input', {
        type, id, value: String(value ?? ''), 'data-field': field, 'data-focus': id, autocomplete: 'off',
        ...(type === 'number' ? { min: 0, step: 1, inputmode: 'numeric' } : { maxlength: 200 }),
        'aria-describedby': hint ? `${id}-hint` : null,
      });
      inputs.set(field, input);
      return h('span', { class: 'field' }, h('label', { for: id, i18n: key }), input,
        hint ? h('span', { class: 'hint', id: `${id}-hint`, i18n: hint[0], i18nParams: hint[1] }) : null);
    };
    const countFac = h('input', { type: 'checkbox', id: 'set-countFacilitators', 'data-field': 'countFacilitators', 'data-focus': 'set-countFacilitators', checked: !!g.countFacilitators });
    const button = h('button', { type: 'submit', class: 'primary', 'data-focus': 'group-settings-save', i18n: 'manage.set.save' });
    const form = h('form', {
      class: 'group-settings',
      novalidate: true,
      'aria-labelledby': 'group-settings-heading',
      onsubmit: (e) => {
        e.preventDefault();
        const patch = {};
        for (const [field, , type, value] of fields) {
          const input = inputs.get(field);
          const v = type === 'number' ? input.value.trim() : input.value.trim();
          if (v === '') {
            input.setAttribute('aria-invalid', 'true');
            show(status, 'manage.set.empty', { field: input.labels[0].textContent });
            status.classList.add('problem');
            input.focus();
            return;
          }
          const out = type === 'number' ? Number(v) : v;
          if (out === value) continue;
          if (field.startsWith('cadence.')) patch.cadence = { months: Number(inputs.get('cadence.months').value), days: Number(inputs.get('cadence.days').value) };
          else patch[field] = out;
        }
        if (countFac.checked !== !!g.countFacilitators) patch.countFacilitators = countFac.checked;
        if (!Object.keys(patch).length) {
          show(status, 'manage.set.nothing');
          status.classList.remove('problem');
          return;
        }
        this.act(button, 'manage.settingsSaved', () => this.api.call('PATCH', path`/api/v1/groups/${this.groupId}`, patch),
          { form, statusSelector: '.group-settings .form-status' });
      },
    },
    h(`h${this.level + 1}`, { id: 'group-settings-heading', i18n: 'manage.set.heading' }),
    fields.map(row),
    h('p', { class: 'choice' }, countFac, ' ', h('label', { for: 'set-countFacilitators', i18n: 'manage.set.countFacilitators' })),
    button, status);
    return form;
  }

  // agreementForm changes the group's agreement: a changed text is a new
  // version, which everyone accepts again before their next meeting.
  agreementForm() {
    const a = this.page.group.agreement;
    const text = h('textarea', { id: 'set-agreement', rows: 6, maxlength: 10000, 'data-field': 'text', 'data-focus': 'set-agreement', 'aria-describedby': 'set-agreement-hint' });
    text.value = a.text;
    const button = h('button', { type: 'submit', 'data-focus': 'agreement-save', i18n: 'manage.agreementSave' });
    const status = h('p', { class: 'form-status', role: 'status' });
    const form = h('form', {
      class: 'agreement-form',
      'aria-labelledby': 'agreement-form-heading',
      onsubmit: (e) => {
        e.preventDefault();
        if (text.value.trim() === a.text.trim()) {
          show(status, 'manage.set.nothing');
          status.classList.remove('problem');
          return;
        }
        this.act(button, ['manage.agreementSaved', { version: a.version + 1 }], () => this.api.call('PUT', path`/api/v1/groups/${this.groupId}/agreement`, { text: text.value.trim() }),
          { form, statusSelector: '.agreement-form .form-status' });
      },
    },
    h(`h${this.level + 1}`, { id: 'agreement-form-heading', i18n: 'manage.agreementHeading' }),
    h('label', { for: 'set-agreement', i18n: 'manage.agreementLabel', i18nParams: { version: a.version } }), text,
    h('p', { class: 'hint', id: 'set-agreement-hint', i18n: 'manage.agreementHint' }),
    button, status);
    return form;
  }

  // phasesPart edits the order of a meeting: the group's template (for
  // meetings planned from now on) and the next meeting's own.
  phasesPart() {
    const section = h('section', { class: 'manage-part', 'aria-labelledby': 'manage-phases' },
      this.heading('manage.phases', null, 'manage-phases'),
      h('p', { class: 'hint', i18n: 'manage.phasesHint' }));
    section.append(this.phaseEditor('group', 'manage.phasesGroup', {}, this.page.group.phases,
      (phases) => this.api.call('PATCH', path`/api/v1/groups/${this.groupId}`, { phases })));
    const m = this.page.next;
    if (m && m.state !== 'ended' && m.state !== 'cancelled') {
      section.append(this.phaseEditor(`meeting:${m.id}`, 'manage.phasesMeeting', { n: m.number }, m.phases,
        (phases) => this.api.call('PATCH', path`/api/v1/meetings/${m.id}`, { phases })));
    }
    return section;
  }

  // phaseEditor is one ordered list of phases to edit, with its own save.
  // key names the draft; the list is built again (in place) after each
  // add, remove or move, with the focus on the control that moved.
  phaseEditor(key, titleKey, titleParams, source, save) {
    const slug = key.replace(/[^\w-]/g, '-');
    const draft = () => this.drafts.get(key) || source.map((p) => structuredClone(p));
    const edit = (fn) => { const list = draft(); fn(list); this.drafts.set(key, list); return list; };
    let box;
    const build = (focus) => {
      const list = draft();
      const status = h('p', { class: 'form-status', role: 'status' });
      const rebuild = (f) => { const next = build(f); box.replaceWith(next); box = next; box.querySelector(`[data-focus="${CSS.escape(f)}"]`)?.focus(); };
      const items = list.map((p, i) => {
        const base = `${slug}-${i}`;
        const legend = `${base}-legend`;
        const name = h('input', { id: `${base}-name`, value: p.name?.[lang()] ?? localised(p.name), maxlength: 200, 'data-field': `phases[${i}].name`, 'data-focus': `${base}-name`, autocomplete: 'off' });
        const shownName = name.value;
        name.addEventListener('input', () => edit((l) => { if (name.value !== shownName || !l[i].name) l[i].name = { ...(l[i].name || {}), [lang()]: name.value.trim() }; }));
        const minutes = h('input', { type: 'number', id: `${base}-minutes`, min: 1, step: 1, value: String(p.timeboxMinutes ?? ''), 'data-field': `phases[${i}].timeboxMinutes`, 'data-focus': `${base}-minutes` });
        minutes.addEventListener('input', () => edit((l) => { l[i].timeboxMinutes = Number(minutes.value); }));
        const desc = h('textarea', { id: `${base}-desc`, rows: 2, maxlength: 2000, 'data-field': `phases[${i}].description`, 'data-focus': `${base}-desc` });
        desc.value = p.description?.[lang()] ?? localised(p.description);
        const shownDesc = desc.value;
        desc.addEventListener('input', () => edit((l) => { if (desc.value !== shownDesc) l[i].description = { ...(l[i].description || {}), [lang()]: desc.value.trim() }; }));
        const round = h('input', { type: 'checkbox', id: `${base}-round`, checked: !!p.round, 'data-focus': `${base}-round` });
        round.addEventListener('change', () => edit((l) => { l[i].round = round.checked; }));
        const move = (dir, k) => h('button', {
          type: 'button', class: `phase-${k}`, 'data-focus': `${base}-${k}`, 'aria-describedby': legend, i18n: k === 'up' ? 'manage.phase.up' : 'manage.phase.down',
          disabled: (dir < 0 && i === 0) || (dir > 0 && i === list.length - 1),
          onclick: () => {
            edit((l) => { const [x] = l.splice(i, 1); l.splice(i + dir, 0, x); });
            const j = i + dir;
            const edge = (dir < 0 && j === 0) || (dir > 0 && j === list.length - 1);
            rebuild(`${slug}-${j}-${edge ? (k === 'up' ? 'down' : 'up') : k}`);
          },
        });
        const remove = h('button', {
          type: 'button', class: 'phase-remove danger-text', 'data-focus': `${base}-remove`, 'aria-describedby': legend, i18n: 'manage.phase.remove',
          onclick: () => {
            edit((l) => l.splice(i, 1));
            const left = list.length - 1;
            rebuild(left === 0 ? `${slug}-add` : `${slug}-${Math.min(i, left - 1)}-name`);
          },
        });
        return h('li', { class: 'phase-item' }, h('fieldset', {},
          h('legend', { id: legend, i18n: 'manage.phase.legend', i18nParams: { n: i + 1, name: name.value || '…' } }),
          h('span', { class: 'field' }, h('label', { for: name.id, i18n: 'manage.phase.name' }), name),
          h('span', { class: 'field' }, h('label', { for: minutes.id, i18n: 'manage.phase.minutes' }), minutes),
          h('span', { class: 'field' }, h('label', { for: desc.id, i18n: 'manage.phase.description' }), desc),
          h('p', { class: 'choice' }, round, ' ', h('label', { for: round.id, i18n: 'manage.phase.round' })),
          h('p', { class: 'phase-buttons' }, move(-1, 'up'), ' ', move(1, 'down'), ' ', remove)));
      });
      const add = h('button', {
        type: 'button', class: 'phase-add', 'data-focus': `${slug}-add`, i18n: 'manage.phase.add',
        onclick: () => {
          const n = edit((l) => l.push({ name: {}, timeboxMinutes: 10 })).length;
          rebuild(`${slug}-${n - 1}-name`);
        },
      });
      const button = h('button', { type: 'submit', class: 'primary', 'data-focus': `${slug}-save`, i18n: 'manage.phase.save' });
      const form = h('form', {
        // The API checks the values and names the field it refuses, in
        // the page's words (not the browser's own bubble).
        class: 'phase-editor', dataset: { editor: key }, 'aria-labelledby': `${slug}-heading`, novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          const phases = draft().map((p) => {
            const out = { name: p.name || {}, timeboxMinutes: Number(p.timeboxMinutes) };
            if (p.description && Object.values(p.description).some(Boolean)) out.description = p.description;
            if (p.round) out.round = true;
            if (p.kind) out.kind = p.kind;
            return out;
          });
          const edited = this.drafts.get(key);
          this.drafts.delete(key);
          const ok = await this.act(button, 'manage.phase.saved', () => save(phases), { form, statusSelector: `.phase-editor[data-editor="${CSS.escape(key)}"] .form-status` });
          if (!ok && edited) this.drafts.set(key, edited);
        },
      },
      h(`h${this.level + 1}`, { id: `${slug}-heading`, i18n: titleKey, i18nParams: titleParams }),
      list.length ? h('ol', { class: 'phase-list' }, items) : h('p', { class: 'hint', i18n: 'manage.phase.none' }),
      h('p', {}, add, ' ', button), status);
      return form;
    };
    box = build();
    return box;
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

// fieldInput is the input of form that the API's error field names
// ("maxMembers", "cadence.months", "phases[1].timeboxMinutes"); for a
// field of a phase it falls back to the phase's name input.
function fieldInput(form, field) {
  const find = (f) => form.querySelector(`[data-field="${CSS.escape(f)}"]`);
  return find(field) || find(field.replace(/\.(timebox)$/, '.timeboxMinutes')) || (field === 'cadence' ? find('cadence.months') : null)
    || find(field.replace(/^(phases\[\d+\]).*$/, '$1.name'));
}

// localised picks the page's language from a {fi, sv, en} text.
function localised(text) {
  if (!text) return '';
  return text[lang()] || text.en || Object.values(text)[0] || '';
}
