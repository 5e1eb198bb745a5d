// A person's own recordings on their group page: what was recorded of
// them (meeting, file, length), each file to download, and the way to
// have them all erased (DELETE /api/v1/people/{person}/recordings) after
// a confirmation. The part shows only when something of the person is
// recorded; the API lists their own files only.
import { label, show } from './i18n.js';
import { path } from './api.js';
import { clock, errorKey, formatWhen, h, saveBlob } from './dom.js';
import { kindsKey } from './recordings.js';

export class MyRecordings {
  // section is emptied and filled; status is where outcomes are said.
  constructor(section, api, status) {
    this.section = section;
    this.api = api;
    this.status = status;
    this.person = null;
    this.meetings = [];
    this.list = null; // the last answer
    this.confirming = false;
    document.addEventListener('piiri:lang', () => this.render());
  }

  // update asks again for the person's recordings; meetings name them.
  async update(person, meetings) {
    this.person = person;
    this.meetings = meetings;
    try {
      const list = await this.api.call('GET', path`/api/v1/people/${person}/recordings`);
      if (JSON.stringify(list) === JSON.stringify(this.list)) return;
      this.list = list;
      this.render();
    } catch (err) {
      console.warn('piiri: my recordings', err.code, err.message);
    }
  }

  render() {
    const recorded = (this.list?.meetings || []).filter((m) => m.files.length);
    this.section.hidden = recorded.length === 0;
    if (!recorded.length) {
      this.section.replaceChildren();
      return;
    }
    const focused = this.section.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    const erase = h('button', {
      type: 'button', 'data-focus': 'my-rec-erase', i18n: 'rec.eraseMine', 'aria-expanded': String(this.confirming),
      onclick: () => { this.confirming = true; this.render(); this.section.querySelector('[data-focus="my-rec-yes"]')?.focus(); },
    });
    this.section.replaceChildren(
      h('h2', { id: 'my-recordings-heading', i18n: 'rec.mine' }),
      h('p', { class: 'hint', i18n: 'rec.mineHint' }),
      h('ul', { class: 'my-recordings' }, recorded.flatMap((m) => m.files.map((f) => this.fileItem(m, f)))),
      h('p', {}, erase),
      this.confirming ? h('p', { class: 'confirm' },
        h('span', { i18n: 'rec.eraseMineSure' }), ' ',
        h('button', { type: 'button', class: 'danger', 'data-focus': 'my-rec-yes', i18n: 'rec.eraseMineYes', onclick: () => this.erase() }), ' ',
        h('button', { type: 'button', 'data-focus': 'my-rec-no', i18n: 'manage.cancelNo', onclick: () => { this.confirming = false; this.render(); this.section.querySelector('[data-focus="my-rec-erase"]')?.focus(); } }))
        : null,
    );
    if (focused) this.section.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  fileItem(rec, f) {
    const m = this.meetings.find((x) => x.id === rec.meetingId);
    const what = m ? h('span', { i18n: 'group.meeting', i18nParams: { n: m.number, of: m.of } }) : h('span', {}, f.name);
    const button = f.final ? h('button', {
      type: 'button', class: 'download-file', 'data-focus': `my-download-${f.name}`, i18n: 'rec.download',
      onclick: () => this.download(button, rec, f),
    }) : h('span', { i18n: 'rec.writing' });
    if (f.final) label(button, 'rec.downloadMine', { file: f.name });
    return h('li', { dataset: { meeting: rec.meetingId, file: f.name } },
      what, m ? `, ${formatWhen(m)}` : '', ': ', h('span', { i18n: kindsKey(f.kinds) }), `, ${clock(f.durationSeconds)} `, button);
  }

  async download(button, rec, f) {
    button.disabled = true;
    try {
      saveBlob(await this.api.blob(path`/api/v1/people/${this.person}/recordings/${rec.meetingId}/${f.name}`), f.name);
      show(this.status, 'rec.downloaded');
    } catch (err) {
      console.warn('piiri: download my recording', err.code, err.message);
      show(this.status, errorKey(err, 'manage.failed'), { field: '', message: err.message });
    } finally {
      button.disabled = false;
    }
  }

  async erase() {
    this.confirming = false;
    try {
      const out = await this.api.call('DELETE', path`/api/v1/people/${this.person}/recordings`);
      show(this.status, 'rec.erasedMine', { n: out.files });
      this.list = null;
      await this.update(this.person, this.meetings);
      if (this.section.hidden) this.status.focus?.();
    } catch (err) {
      console.warn('piiri: erase my recordings', err.code, err.message);
      show(this.status, errorKey(err, 'manage.failed'), { field: '', message: err.message });
      this.render();
    }
  }
}
