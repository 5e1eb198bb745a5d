// ChatPanel: the room's chat, for links and short notes. It lives in the
// server's memory only while the room is open (PROTOCOL.md "chat"), and
// the panel says so. Links are made clickable; nothing a message holds is
// ever inserted as HTML.
import { lang } from './i18n.js';
import { h } from './dom.js';

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/g;

export class ChatPanel {
  constructor(doc, session, { onUnread }) {
    this.doc = doc;
    this.session = session;
    this.onUnread = onUnread; // told of a message from someone else
    this.list = doc.getElementById('chat-list');
    this.form = doc.getElementById('chat-form');
    this.input = doc.getElementById('chat-input');
  }

  start() {
    this.session.addEventListener('chat', (e) => {
      this.render();
      if (e.detail.entry && e.detail.entry.participantId !== this.session.id) this.onUnread?.(e.detail.entry);
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      if (this.session.sendChat(text)) this.input.value = '';
    });
    this.doc.addEventListener('piiri:lang', () => this.render(true)); // i18n.js dispatches it on the document
    this.render();
  }

  // render adds the entries not shown yet (the list is a live region:
  // writing it all again would have screen readers read it all again);
  // all is true after a language change, which writes the times again.
  render(all = false) {
    if (all) this.list.replaceChildren();
    const shown = new Set([...this.list.querySelectorAll('.chat-entry')].map((li) => li.dataset.seq));
    const time = new Intl.DateTimeFormat(lang(), { hour: 'numeric', minute: '2-digit' });
    const fresh = this.session.chat.filter((e) => !shown.has(String(e.seq)));
    if (fresh.length) this.list.querySelector('.chat-none')?.remove();
    this.list.append(...fresh.map((e) => h('li', { class: 'chat-entry', dataset: { seq: String(e.seq) } },
      h('span', { class: 'chat-who' }, e.participantId === this.session.id ? h('span', { i18n: 'chat.me' }) : e.name),
      ' ', h('time', { datetime: e.at }, time.format(new Date(e.at))),
      h('p', { class: 'chat-text' }, ...linkify(e.text)))));
    if (!this.session.chat.length && !this.list.querySelector('.chat-none')) this.list.append(h('li', { class: 'hint chat-none', i18n: 'chat.empty' }));
    this.list.scrollTop = this.list.scrollHeight;
  }

  focus() { this.input.focus(); }
}

// linkify splits text into text nodes and links (http and https only).
function linkify(text) {
  const out = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(h('a', { href: m[0], target: '_blank', rel: 'noopener noreferrer' }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}


