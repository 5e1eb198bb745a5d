// The playback view of a meeting's recording, for those who may study it:
// every recorded file in its own <video>, all on one timeline, played and
// sought together with one play button and one seek bar; beside them the
// turn index (speaker, phase, start, length), whose turns seek every
// player to their start, the running turn marked as playback goes.
//
// The timeline's origin is the earliest file's start; a file sits at its
// own start minus the origin, and so does a turn. The clock is the
// page's: a playing video is put back on it when it drifts, and the
// clock waits while a video that should play is not ready (seeking,
// decoding). A person's tile shows the file that covers the time, or
// says they were not recorded then.
//
// Each file is fetched whole with the page's token, as a blob behind an
// object URL (the token never goes into an address). That holds the
// whole recording in memory while the view is open: fine for a peer
// group's meeting, heavy for hours of many people (a 2-hour meeting is
// a few hundred MB per person); streaming by ranges (MediaSource, or a
// service worker adding the token) would be the way then.
import { label, lang, show, t } from './i18n.js';
import { path } from './api.js';
import { clock, errorKey, formatWhen, h, saveBlob } from './dom.js';

const DRIFT = 0.25; // seconds a playing video may be off the clock
const TICK_MS = 100;
const HAVE_FUTURE_DATA = 3;
const MAX_HOLD_MS = 3000; // a video not ready for this long is played around

export class PlaybackView {
  // section is the view's element, emptied and filled; onClose is told
  // when the person goes back.
  constructor(section, api, { onClose }) {
    this.section = section;
    this.api = api;
    this.onClose = onClose;
    this.gen = 0; // which opening is current, so a late answer is dropped
    this.urls = [];
    this.timer = null;
    this.turns = null;
    document.addEventListener('piiri:lang', () => {
      if (this.section.hidden) return;
      this.when.textContent = formatWhen(this.meeting);
      if (this.rows) this.renderTurns();
    });
  }

  // open shows the meeting's recording (its list from GET .../recordings).
  async open(meeting, list) {
    const gen = ++this.gen;
    this.meeting = meeting;
    this.playing = false;
    this.held = false;
    this.at = 0;
    this.players = [];
    this.rows = null;
    this.files = [];
    for (const p of list.people) {
      for (const f of p.files) {
        if (f.final) this.files.push({ person: p, name: f.name, start: Date.parse(f.start), duration: f.durationSeconds, video: (f.kinds || []).includes('video'), asked: -1 });
      }
    }
    const origin = Math.min(...this.files.map((f) => f.start));
    for (const f of this.files) {
      f.offset = (f.start - origin) / 1000;
      f.end = f.offset + f.duration;
    }
    this.origin = origin;
    this.total = Math.max(0, ...this.files.map((f) => f.end));

    this.status = h('p', { class: 'manage-status', role: 'status' });
    this.heading = h('h1', { id: 'playback-heading', tabindex: '-1', i18n: 'rec.playbackHeading' });
    this.body = h('div', { class: 'playback-body' });
    this.section.replaceChildren(
      this.heading,
      h('p', { class: 'playback-meeting' },
        h('span', { i18n: meeting.theme ? 'group.meetingTheme' : 'group.meeting', i18nParams: { n: meeting.number, of: meeting.of, theme: meeting.theme || '' } }),
        ', ', this.when = h('span', {}, formatWhen(meeting))),
      h('button', { type: 'button', class: 'playback-back', i18n: 'rec.back', onclick: () => this.close() }),
      this.status,
      this.body);
    show(document.querySelector('title'), 'rec.title');
    this.section.hidden = false;
    this.heading.focus();
    if (!this.files.length) {
      show(this.status, 'rec.loadFailed');
      return;
    }

    show(this.status, 'rec.loading', { done: 0, total: this.files.length });
    const turns = this.api.call('GET', path`/api/v1/meetings/${meeting.id}/turns`).catch((err) => {
      console.warn('piiri: turns', err.code, err.message);
      return null;
    });
    let done = 0;
    try {
      await Promise.all(this.files.map(async (f) => {
        const blob = await this.api.blob(path`/api/v1/meetings/${meeting.id}/recordings/${f.name}`);
        if (gen !== this.gen) return;
        f.url = URL.createObjectURL(blob);
        this.urls.push(f.url);
        show(this.status, 'rec.loading', { done: ++done, total: this.files.length });
      }));
    } catch (err) {
      if (gen !== this.gen) return;
      console.warn('piiri: load the recording', err.code, err.message);
      show(this.status, errorKey(err, 'rec.loadFailed'), { field: '', message: err.message });
      this.status.classList.add('problem');
      return;
    }
    this.turns = await turns;
    if (gen !== this.gen) return;
    show(this.status, null);
    this.build();
    this.sync();
  }

  build() {
    const byPerson = new Map();
    for (const f of this.files) {
      if (!byPerson.has(f.person)) byPerson.set(f.person, []);
      byPerson.get(f.person).push(f);
    }
    const tiles = [];
    for (const [person, files] of byPerson) {
      const sound = h('input', { type: 'checkbox', checked: true, class: 'sound' });
      label(sound, 'rec.soundOf', { name: person.name || '' });
      const p = {
        person, files, sound,
        gap: h('p', { class: 'gap', i18n: 'rec.notRecorded' }),
        soundOnly: h('p', { class: 'sound-only', i18n: 'rec.soundOnly', hidden: true }),
      };
      for (const f of files) {
        f.el = h('video', { playsinline: true, preload: 'auto', hidden: true, dataset: { file: f.name, offset: String(f.offset) } });
        for (const ev of ['seeked', 'canplay', 'waiting', 'loadeddata']) f.el.addEventListener(ev, () => this.sync());
        f.el.src = f.url;
      }
      sound.addEventListener('change', () => { for (const f of files) f.el.muted = !sound.checked; });
      this.players.push(p);
      tiles.push(h('figure', { class: 'player', dataset: { person: person.personId } },
        h('div', { class: 'screen' }, files.map((f) => f.el), p.gap, p.soundOnly),
        h('figcaption', {}, h('span', {}, person.name || '–'),
          h('label', { class: 'choice' }, sound, h('span', { i18n: 'rec.sound' })))));
    }
    this.playButton = h('button', { type: 'button', class: 'primary', id: 'playback-play', i18n: 'rec.play', onclick: () => (this.playing ? this.pause() : this.play()) });
    this.slider = h('input', { type: 'range', id: 'playback-position', min: '0', max: String(this.total), step: '0.1', value: '0' });
    this.slider.addEventListener('input', () => this.seek(Number(this.slider.value)));
    // The arrow keys move by 5 s, Page Up and Down by a minute (a step of
    // a tenth of a second would take hours of key presses).
    this.slider.addEventListener('keydown', (e) => {
      const by = { ArrowLeft: -5, ArrowDown: -5, ArrowRight: 5, ArrowUp: 5, PageDown: -60, PageUp: 60 }[e.key];
      if (!by) return;
      e.preventDefault();
      this.seek(this.time() + by);
    });
    this.timeText = h('span', { class: 'playback-time' });
    this.turnBox = h('div', { class: 'turn-box' });
    const csv = h('button', { type: 'button', class: 'export', dataset: { format: 'csv' }, i18n: 'rec.exportCsv', onclick: (e) => this.export(e.currentTarget, 'csv') });
    const json = h('button', { type: 'button', class: 'export', dataset: { format: 'json' }, i18n: 'rec.exportJson', onclick: (e) => this.export(e.currentTarget, 'json') });
    this.body.replaceChildren(
      h('div', { class: 'playback-media' },
        h('div', { class: 'players' }, tiles),
        h('div', { class: 'transport' }, this.playButton,
          h('label', { for: 'playback-position', class: 'visually-hidden', i18n: 'rec.position' }), this.slider, this.timeText)),
      h('section', { class: 'turn-index', 'aria-labelledby': 'turns-heading' },
        h('h2', { id: 'turns-heading', i18n: 'rec.turns' }),
        h('p', { class: 'hint', i18n: 'rec.turnsHint' }),
        this.turnBox,
        this.turns ? h('p', { class: 'downloads' }, csv, json) : null));
    this.renderTurns();
  }

  // renderTurns writes the turn index: the turns that fall in the
  // recording, each a button that seeks there.
  renderTurns() {
    const tt = this.turns;
    if (!tt) {
      this.rows = [];
      this.turnBox.replaceChildren(h('p', { i18n: 'rec.turnsUnavailable' }));
      return;
    }
    const rows = [];
    for (const turn of tt.turns || []) {
      const at = (Date.parse(turn.start) - this.origin) / 1000;
      const end = (Date.parse(turn.end) - this.origin) / 1000;
      if (end <= 0 || at >= this.total) continue;
      const sp = tt.speakers?.[turn.speaker] || {};
      const name = sp.others || !sp.name ? t('rec.others') : sp.name;
      const phase = phaseOf(turn, tt.phases);
      const when = at < 0 ? `−${clock(-at)}` : clock(at);
      const button = h('button', { type: 'button', class: 'seek', onclick: () => this.seek(Math.max(0, at)) }, when);
      label(button, 'rec.seekTo', { at: when, name });
      const row = h('tr', { dataset: { at: String(at), turn: String(rows.length) } },
        h('td', {}, button),
        h('td', { class: 'speaker' }, name),
        phase === null ? h('td', { class: 'phase', i18n: 'rec.noPhase' }) : h('td', { class: 'phase' }, phase || '–'),
        h('td', { i18n: 'rec.seconds', i18nParams: { n: new Intl.NumberFormat(lang(), { maximumFractionDigits: 1 }).format(turn.seconds ?? end - at) } }));
      rows.push({ at, end, row });
    }
    this.rows = rows;
    this.current = null;
    this.turnBox.replaceChildren(rows.length ? h('table', { class: 'manage-table turns' },
      h('caption', { class: 'visually-hidden', i18n: 'rec.turns' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', i18n: 'rec.col.start' }),
        h('th', { scope: 'col', i18n: 'rec.col.speaker' }),
        h('th', { scope: 'col', i18n: 'rec.col.phase' }),
        h('th', { scope: 'col', i18n: 'rec.col.length' }))),
      h('tbody', {}, rows.map((r) => r.row))) : h('p', { i18n: 'rec.noTurns' }));
    if (this.slider) this.showTime(this.time());
  }

  // time is the clock: where on the timeline playback is now.
  time() {
    return this.playing && !this.held ? this.at + (performance.now() - this.wall) / 1000 : this.at;
  }

  play() {
    if (this.at >= this.total - 0.05) this.at = 0;
    this.playing = true;
    this.held = false;
    this.wall = performance.now();
    clearInterval(this.timer);
    this.timer = setInterval(() => this.sync(), TICK_MS);
    show(this.playButton, 'rec.pause');
    this.sync();
  }

  pause(at = this.time()) {
    this.at = Math.min(at, this.total);
    this.playing = false;
    this.held = false;
    clearInterval(this.timer);
    show(this.playButton, 'rec.play');
    this.sync();
  }

  seek(to) {
    this.at = Math.min(Math.max(to, 0), this.total);
    this.wall = performance.now();
    this.held = false;
    this.sync();
  }

  // hold stops the clock while a video catches up; release starts it.
  hold() {
    if (this.held) return;
    this.at = this.time();
    this.held = true;
    this.heldSince = performance.now();
  }

  release() {
    if (!this.held) return;
    this.held = false;
    this.wall = performance.now();
  }

  // sync puts every video where the clock says: the file that covers the
  // time shown and (while playing) playing, the others paused at their
  // nearest end.
  sync() {
    if (!this.players.length || !this.playButton) return;
    const now = this.time();
    if (this.playing && now >= this.total) {
      this.pause(this.total);
      return;
    }
    const active = [];
    for (const p of this.players) {
      const on = p.files.findLast((f) => now >= f.offset && now < f.end) || null;
      for (const f of p.files) {
        const v = f.el;
        const limit = Number.isFinite(v.duration) ? Math.min(v.duration, f.duration) : f.duration;
        const want = Math.min(Math.max(now - f.offset, 0), limit);
        const running = this.playing && f === on && !v.paused;
        // A playing video is sought when it drifts; any other is put
        // exactly where asked, once.
        const off = running ? Math.abs(v.currentTime - want) > DRIFT : Math.abs(f.asked - want) > 0.01;
        if (off && !v.seeking) {
          v.currentTime = want;
          f.asked = want;
        }
        v.hidden = f !== on;
        if (f === on) active.push(v);
        else if (!v.paused) v.pause();
      }
      p.gap.hidden = !!on;
      p.soundOnly.hidden = !on || on.video;
    }
    if (this.playing) {
      const waiting = active.some((v) => v.seeking || (v.readyState < HAVE_FUTURE_DATA && !v.ended));
      if (waiting && !(this.held && performance.now() - this.heldSince > MAX_HOLD_MS)) {
        this.hold();
        for (const v of active) if (!v.paused) v.pause();
      } else {
        this.release();
        for (const v of active) if (v.paused && !v.ended) v.play().catch(() => {});
      }
    } else {
      for (const v of active) if (!v.paused) v.pause();
    }
    this.showTime(now);
  }

  showTime(now) {
    this.slider.value = String(now);
    const at = clock(now);
    if (this.shownAt !== at) {
      this.shownAt = at;
      const params = { at, total: clock(this.total) };
      show(this.timeText, 'rec.positionText', params);
      this.slider.setAttribute('aria-valuetext', t('rec.positionText', params));
    }
    let current = null;
    for (const r of this.rows || []) {
      const on = now >= r.at && now < r.end;
      if (on) current = r;
      r.row.classList.toggle('current', on);
      if (on) r.row.setAttribute('aria-current', 'true');
      else r.row.removeAttribute('aria-current');
    }
    // Keep the running turn in sight in the index while playing.
    if (this.playing && current && current !== this.current) {
      const box = this.turnBox.getBoundingClientRect();
      const row = current.row.getBoundingClientRect();
      if (row.top < box.top || row.bottom > box.bottom) this.turnBox.scrollTop += row.top - box.top - box.height / 3;
    }
    this.current = current;
  }

  async export(button, format) {
    const id = this.meeting.id;
    button.disabled = true;
    this.status.classList.remove('problem');
    try {
      const csv = `${path`/api/v1/meetings/${id}/turns.csv`}${lang() === 'en' ? '' : '?sep=semicolon'}`;
      saveBlob(await this.api.blob(format === 'csv' ? csv : path`/api/v1/meetings/${id}/turns`), `turns-${id}.${format}`);
      show(this.status, 'rec.downloaded');
    } catch (err) {
      console.warn('piiri: export turns', err.code, err.message);
      show(this.status, errorKey(err, 'manage.failed'), { field: '', message: err.message });
      this.status.classList.add('problem');
    } finally {
      button.disabled = false;
    }
  }

  // close stops playback, lets go of the files and goes back.
  close() {
    this.gen++;
    clearInterval(this.timer);
    this.playing = false;
    for (const f of this.files || []) {
      if (!f.el) continue;
      f.el.pause();
      f.el.removeAttribute('src');
      f.el.load();
    }
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
    this.players = [];
    this.playButton = null;
    this.section.hidden = true;
    this.section.replaceChildren();
    this.onClose?.();
  }
}

// phaseOf is the name of the phase a turn began in, in the page's
// language where the meeting's phases have it; '' when unknown, null for
// a turn between phases.
function phaseOf(turn, phases) {
  const i = turn.phaseIndex ?? -1;
  if (i >= 0 && phases?.[i]) return localName(phases[i].names) || phases[i].name || turn.phase || '';
  if (typeof turn.phase === 'string') return turn.phase || null;
  if (!phases?.length) return '';
  const at = Date.parse(turn.start);
  const p = phases.find((x) => at >= Date.parse(x.from) && (!x.to || at < Date.parse(x.to)));
  return p ? localName(p.names) || p.name : null;
}

function localName(names) {
  return names ? names[lang()] || names.en || '' : '';
}
