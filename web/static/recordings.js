// The recordings of a group's meetings on the group page of those who may
// study them (the facilitators, a meeting's chair, people a facilitator
// granted research): per meeting that ended or runs, the recorded people
// and their files to download, and the way into the playback view. The
// API decides who may; a refusal just means no section.
import { label, show } from './i18n.js';
import { path } from './api.js';
import { clock, errorKey, formatWhen, h, saveBlob } from './dom.js';

const RECORDED = new Set(['running', 'ended']);

// kindsKey names what a file holds.
export function kindsKey(kinds = []) {
  const audio = kinds.includes('audio');
  const video = kinds.includes('video');
  return audio && video ? 'rec.kinds.both' : video ? 'rec.kinds.video' : 'rec.kinds.audio';
}

export class RecordingsPart {
  // section is emptied and filled; onPlay(meeting, list, button) opens
  // the playback view.
  constructor(section, api, { onPlay }) {
    this.section = section;
    this.api = api;
    this.onPlay = onPlay;
    this.key = null; // the meetings last asked about, with their states
    this.lists = []; // [{ meeting, list }], the newest meeting first
    this.allowed = false;
    this.busy = false;
    this.status = h('p', { class: 'manage-status', role: 'status' });
    document.addEventListener('piiri:lang', () => { if (this.allowed) this.render(); });
  }

  // update asks for the recordings of the meetings that ended or run,
  // when those changed, and again while one runs (its recording grows).
  async update(meetings) {
    const recorded = meetings.filter((m) => RECORDED.has(m.state)).reverse();
    const key = JSON.stringify(recorded.map((m) => [m.id, m.state]));
    if (this.busy || (key === this.key && !recorded.some((m) => m.state === 'running'))) return;
    this.busy = true;
    try {
      const answers = await Promise.all(recorded.map((m) => this.api.call('GET', path`/api/v1/meetings/${m.id}/recordings`)
        .then((list) => ({ meeting: m, list }), (err) => ({ meeting: m, err }))));
      const failed = answers.find((a) => a.err && a.err.status !== 403 && a.err.status !== 404);
      if (failed) throw failed.err;
      // Allowed for a meeting: its list, or "not recorded" (404, which
      // the API answers only after it has checked who asks).
      const allowed = answers.some((a) => a.list || a.err.status === 404);
      const lists = answers.filter((a) => a.list?.people?.length);
      this.key = key;
      if (allowed === this.allowed && JSON.stringify(lists) === JSON.stringify(this.lists)) return;
      this.allowed = allowed;
      this.lists = lists;
      this.render();
    } catch (err) {
      console.warn('piiri: recordings', err.code, err.message);
    } finally {
      this.busy = false;
    }
  }

  render() {
    const { section } = this;
    section.hidden = !this.allowed;
    if (!this.allowed) {
      section.replaceChildren();
      return;
    }
    const focused = section.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    section.replaceChildren(
      h('h2', { id: 'recordings-heading', i18n: 'rec.heading' }),
      h('p', { class: 'hint', i18n: 'rec.hint' }),
      this.status,
      ...(this.lists.length ? this.lists.map(({ meeting, list }) => this.meetingPart(meeting, list)) : [h('p', { i18n: 'rec.none' })]),
    );
    if (focused) section.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  meetingPart(m, list) {
    const hid = `rec-meeting-${m.id}`;
    const playable = list.people.some((p) => p.files.some((f) => f.final));
    return h('article', { class: 'recording', dataset: { meeting: m.id }, 'aria-labelledby': hid },
      h('h3', { id: hid, i18n: m.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: m.number, of: m.of, theme: m.theme || '' } }),
      h('p', { class: 'when' }, formatWhen(m)),
      m.state === 'running' ? h('p', { class: 'hint', i18n: 'rec.running' }) : null,
      playable ? h('button', {
        type: 'button', class: 'primary play-recording', 'data-focus': `play-${m.id}`, 'aria-describedby': hid, i18n: 'rec.play',
        onclick: (e) => this.onPlay(m, list, e.currentTarget),
      }) : null,
      h('table', { class: 'manage-table recorded' },
        h('caption', { class: 'visually-hidden', i18n: 'rec.files' }),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col', i18n: 'manage.col.person' }),
          h('th', { scope: 'col', i18n: 'rec.col.file' }),
          h('th', { scope: 'col', i18n: 'rec.col.duration' }),
          h('th', { scope: 'col', i18n: 'rec.col.kinds' }),
          h('th', { scope: 'col', i18n: 'rec.col.download' }))),
        h('tbody', {}, list.people.flatMap((p) => p.files.map((f) => h('tr', { dataset: { person: p.personId, file: f.name } },
          h('th', { scope: 'row' }, p.name || '–'),
          h('td', { class: 'file-name' }, f.name),
          h('td', {}, clock(f.durationSeconds)),
          h('td', { i18n: kindsKey(f.kinds) }),
          h('td', {}, f.final ? this.downloadButton(m, p, f) : h('span', { i18n: 'rec.writing' }))))))));
  }

  downloadButton(m, p, f) {
    const params = { file: f.name, name: p.name || '' };
    const b = h('button', {
      type: 'button', class: 'download-file', 'data-focus': `download-${f.name}`, i18n: 'rec.download', i18nParams: params,
      onclick: () => this.download(b, m, f),
    });
    label(b, 'rec.downloadFile', params);
    return b;
  }

  async download(button, m, f) {
    button.disabled = true;
    this.status.classList.remove('problem');
    show(this.status, 'rec.downloading');
    try {
      saveBlob(await this.api.blob(path`/api/v1/meetings/${m.id}/recordings/${f.name}`), f.name);
      show(this.status, 'rec.downloaded');
    } catch (err) {
      console.warn('piiri: download a recording', err.code, err.message);
      show(this.status, errorKey(err, 'manage.failed'), { field: '', message: err.message });
      this.status.classList.add('problem');
    } finally {
      button.disabled = false;
    }
  }
}
