// BalanceView: the live balance of talk time for whoever runs the meeting,
// in groups that chose it (the group setting liveBalance). It reads the
// meeting's speaking statistics so far from the API (GET
// /api/v1/meetings/{m}/turns) every few seconds while the meeting runs:
// the server decides who may see them, names only people who consented to
// statistics, and answers live_balance_off for a group that did not choose
// the live view, which hides the panel until the next meeting state.
import { Api, path } from './api.js';
import { show } from './i18n.js';
import { h } from './dom.js';

const REFRESH_MS = 10000;

export class BalanceView {
  constructor(doc, session) {
    this.session = session;
    this.api = new Api(session.link);
    this.el = { panel: doc.getElementById('balance-panel'), list: doc.getElementById('balance-list'), status: doc.getElementById('balance-status') };
    this.off = ''; // the meeting whose group answered live_balance_off
    this.timer = 0;
    this.busy = false;
  }

  start() {
    if (!this.el.panel || !this.session.link) return;
    this.session.addEventListener('meeting', () => this.update());
    this.session.addEventListener('participants', () => this.update());
    document.addEventListener('piiri:lang', () => this.render(this.last));
    this.update();
  }

  stop() { clearInterval(this.timer); this.timer = 0; }

  // wanted: the meeting runs, this person runs it, and its group has not
  // refused the live view.
  wanted() {
    const st = this.session.meetingState;
    const me = st?.people?.find((p) => p.personId === this.session.personId);
    return !!(st && st.state === 'running' && me?.facilitating && this.off !== st.meetingId);
  }

  update() {
    if (!this.wanted()) {
      this.stop();
      this.el.panel.hidden = true;
      return;
    }
    if (!this.timer) {
      this.timer = setInterval(() => this.refresh(), REFRESH_MS);
      this.refresh();
    }
  }

  async refresh() {
    if (this.busy || !this.wanted()) return;
    this.busy = true;
    const id = this.session.meetingState.meetingId;
    try {
      this.last = await this.api.call('GET', path`/api/v1/meetings/${id}/turns`);
      this.render(this.last);
    } catch (err) {
      if (err.code === 'live_balance_off' || err.status === 403) {
        this.off = id;
        this.update();
      } else {
        console.warn('piiri: live balance', err.code, err.message);
        show(this.el.status, 'balance.failed');
      }
    } finally {
      this.busy = false;
    }
  }

  render(t) {
    if (!t || !this.wanted()) return;
    this.el.panel.hidden = false;
    const speakers = [...t.speakers].sort((a, b) => b.talkSeconds - a.talkSeconds);
    if (speakers.length === 0 || t.talkSeconds === 0) {
      this.el.list.replaceChildren();
      show(this.el.status, 'balance.none');
      return;
    }
    show(this.el.status, 'balance.summary', { turns: t.totalTurns, minutes: Math.round(t.talkSeconds / 60) });
    this.el.list.replaceChildren(...speakers.map((sp) => {
      const pct = Math.round(sp.share * 100);
      const name = sp.others ? h('span', { i18n: 'balance.others' }) : h('span', { textContent: sp.name || '' });
      const bar = h('span', { class: 'balance-bar', 'aria-hidden': 'true' });
      bar.style.inlineSize = `${pct}%`;
      return h('li', { class: 'balance-row' }, name, ' ', h('span', { class: 'balance-share', i18n: 'balance.share', i18nParams: { pct, turns: sp.turns } }), bar);
    }));
  }
}
