// PeopleList: everyone in the room with their role (observers marked),
// raised hands in the order they were raised, microphone state and the
// connection quality each reported; the facilitator can ask someone to
// mute, lower their hand, or remove them from the meeting. Below, who
// said they would come and is not here yet.
import { show, t } from './i18n.js';
import { h } from './dom.js';

export class PeopleList {
  constructor(doc, session) {
    this.doc = doc;
    this.session = session;
    this.list = doc.getElementById('people-list');
    this.away = doc.getElementById('people-away');
    this.confirming = null; // the participant whose removal is asked
  }

  start() {
    for (const ev of ['participants', 'hands', 'meeting', 'quality']) this.session.addEventListener(ev, () => this.render());
    this.doc.addEventListener('piiri:lang', () => this.render()); // i18n.js dispatches it on the document
    this.render();
  }

  facilitating() {
    const s = this.session;
    return !!s.meetingState?.people?.find((p) => p.personId === s.personId)?.facilitating;
  }

  render() {
    const s = this.session;
    const fac = this.facilitating();
    const me = { id: s.id, name: s.name, role: s.role, audioMuted: s.audioMuted, quality: s.quality, self: true };
    const everyone = [me, ...s.participants.values()];
    const focused = this.list.contains(this.doc.activeElement) ? this.doc.activeElement.dataset.focus : null;
    this.list.replaceChildren(...everyone.map((p) => this.item(p, fac)));
    if (focused) this.list.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
    const st = s.meetingState;
    const coming = st?.people?.filter((p) => !p.present && p.rsvp === 'coming').map((p) => p.name) || [];
    show(this.away, coming.length ? 'people.notYet' : null, { names: coming.join(', ') });
  }

  item(p, fac) {
    const s = this.session;
    const hand = s.hands.indexOf(p.id);
    const li = h('li', { class: 'person', dataset: { participant: p.self ? 'self' : p.id, role: p.role || '' } },
      h('span', { class: 'person-name' }, p.self ? t('room.you', { name: p.name }) : p.name),
      p.role && p.role !== 'member' ? h('span', { class: `badge role-${p.role}`, i18n: `people.role.${p.role}` }) : null,
      hand >= 0 ? h('span', { class: 'badge hand', i18n: 'people.hand', i18nParams: { n: hand + 1 } }) : null,
      p.audioMuted ? h('span', { class: 'badge muted', i18n: 'people.muted' }) : null,
      p.quality ? h('span', { class: `badge quality-${p.quality}`, i18n: `people.quality.${p.quality}` }) : null);
    const actions = [];
    if (hand >= 0 && (p.self || fac)) {
      actions.push(h('button', {
        type: 'button', class: 'small', 'data-focus': `lower-${p.id}`, i18n: p.self ? 'people.lowerMine' : 'people.lower', i18nParams: { name: p.name },
        onclick: () => s.raiseHand(false, p.self ? undefined : p.id),
      }));
    }
    if (fac && !p.self) {
      if (!p.audioMuted) {
        actions.push(h('button', {
          type: 'button', class: 'small', 'data-focus': `mute-${p.id}`, i18n: 'people.askMute', i18nParams: { name: p.name },
          onclick: () => s.askToMute(p.id),
        }));
      }
      if (this.confirming === p.id) {
        actions.push(h('button', {
          type: 'button', class: 'small danger', 'data-focus': `remove-yes-${p.id}`, i18n: 'people.removeYes', i18nParams: { name: p.name },
          onclick: () => { this.confirming = null; s.removeParticipant(p.id); },
        }), h('button', {
          type: 'button', class: 'small', 'data-focus': `remove-no-${p.id}`, i18n: 'people.removeNo',
          onclick: () => { this.confirming = null; this.render(); this.list.querySelector(`[data-focus="remove-${CSS.escape(p.id)}"]`)?.focus(); },
        }));
      } else {
        actions.push(h('button', {
          type: 'button', class: 'small', 'data-focus': `remove-${p.id}`, i18n: 'people.remove', i18nParams: { name: p.name },
          onclick: () => { this.confirming = p.id; this.render(); this.list.querySelector(`[data-focus="remove-yes-${CSS.escape(p.id)}"]`)?.focus(); },
        }));
      }
    }
    if (actions.length) li.append(h('span', { class: 'person-actions' }, actions));
    return li;
  }
}
