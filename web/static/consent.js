// Consent on the pre-join page of a group's meeting: the group's consent
// text and two separate choices (record my audio and video; include me
// in speaking statistics), both off until the person turns them on. The
// answer is saved with the API before joining; saying no never keeps
// anyone out. The room changes it later over signalling.
import { show } from './i18n.js';
import { Api, path } from './api.js';

export class ConsentForm {
  constructor(doc, token, meetingId) {
    this.api = new Api(token);
    this.meetingId = meetingId;
    this.view = null; // GET .../consent
    const $ = (id) => doc.getElementById(id);
    this.el = { box: $('consent'), text: $('consent-text'), record: $('consent-record'), stats: $('consent-stats'), status: $('consent-status') };
  }

  // load shows the text and the person's earlier answer (asked again
  // when the text changed since).
  async load() {
    this.view = await this.api.call('GET', path`/api/v1/meetings/${this.meetingId}/consent`);
    this.render();
  }

  render() {
    const v = this.view;
    this.el.box.hidden = false;
    this.el.text.textContent = v.text.text;
    const keep = v.given && !v.stale;
    this.el.record.checked = keep && v.record;
    this.el.stats.checked = keep && v.stats;
    show(this.el.status, v.stale ? 'consent.changed' : null);
  }

  // save sends the choices; a text changed in the meantime is shown and
  // the promise rejects, so that the person reads it before joining.
  async save() {
    const body = { record: this.el.record.checked, stats: this.el.stats.checked, textVersion: this.view.text.version };
    try {
      this.view = await this.api.call('PUT', path`/api/v1/meetings/${this.meetingId}/consent`, body);
    } catch (err) {
      if (err.code === 'consent_changed') {
        await this.load();
        show(this.el.status, 'consent.changed');
      }
      throw err;
    }
    return this.view;
  }
}
