// The admin page, opened from the admin link (BASE/admin#TOKEN): every
// group with its count of meetings held, a form to create a group from
// a template, and a group's managing half (manage.js) to add its
// facilitator and the rest. The page does only what the API lets the
// admin token do.
import { lang, show } from './i18n.js';
import { Api, path } from './api.js';
import { errorKey, h, saveBlob } from './dom.js';
import { ManagePage } from './manage.js';

const LANGUAGES = ['fi', 'sv', 'en'];

export class AdminPage {
  constructor(doc, token) {
    this.doc = doc;
    this.api = new Api(token);
    this.groups = [];
    this.templates = [];
    this.manage = null;
    this.selected = null; // the group whose managing half is shown
    this.loaded = null; // resolves when that half has loaded
    this.body = doc.getElementById('admin-body');
    this.message = doc.getElementById('admin-message');
    this.status = h('p', { class: 'manage-status', role: 'status' });
    document.addEventListener('piiri:lang', () => { if (this.templates.length) this.render(); });
  }

  async load() {
    show(this.doc.querySelector('title'), 'admin.title');
    this.doc.getElementById('admin').hidden = false;
    try {
      const me = await this.api.call('GET', '/api/v1/me');
      if (me.role !== 'admin') {
        this.say('admin.notAdmin');
        return false;
      }
      [this.groups, this.templates] = await Promise.all([
        this.api.call('GET', '/api/v1/groups'),
        this.api.call('GET', '/api/v1/templates'),
      ]);
    } catch (err) {
      console.warn('piiri: admin page', err.code, err.message);
      this.say(err.code === 'unauthenticated' ? 'admin.badLink' : errorKey(err, 'group.loadFailed'));
      return false;
    }
    this.render();
    return true;
  }

  say(key) {
    show(this.message, key);
    this.message.hidden = !key;
  }

  render() {
    const focused = this.body.contains(this.doc.activeElement) ? this.doc.activeElement.dataset.focus : null;
    this.manage?.stop();
    this.manage = null;
    const manageBox = h('div', { class: 'manage-body' });
    this.body.replaceChildren(this.status, this.list(), this.reports(), this.createForm(), manageBox);
    if (this.selected) {
      const g = this.groups.find((x) => x.id === this.selected);
      manageBox.before(h('h2', { id: 'admin-manage-heading', tabindex: '-1', i18n: 'admin.managing', i18nParams: { name: g?.name || '' } }));
      this.manage = new ManagePage(manageBox, this.api, this.selected, { headingLevel: 3, onChange: () => this.refresh() });
      this.loaded = this.manage.load().catch((err) => {
        show(this.status, errorKey(err, 'group.loadFailed'), { field: '', message: err.message });
        this.status.classList.add('problem');
      });
    }
    if (focused) this.body.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
  }

  // refresh brings the list's counts up to date without touching the
  // managing half (which has just rendered itself).
  async refresh() {
    try {
      this.groups = await this.api.call('GET', '/api/v1/groups');
      this.body.querySelector('.groups')?.replaceWith(this.list());
    } catch (err) {
      console.warn('piiri: admin refresh', err.code);
    }
  }

  list() {
    if (!this.groups.length) return h('p', { class: 'groups', i18n: 'admin.noGroups' });
    const names = new Map(this.templates.map((tp) => [tp.id, tp.name]));
    return h('table', { class: 'manage-table groups' },
      h('caption', { class: 'visually-hidden', i18n: 'admin.heading' }),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col', i18n: 'admin.col.group' }),
        h('th', { scope: 'col', i18n: 'admin.col.template' }),
        h('th', { scope: 'col', i18n: 'admin.col.members' }),
        h('th', { scope: 'col', i18n: 'admin.col.held' }),
        h('td', {}))),
      h('tbody', {}, this.groups.map((g) => h('tr', { dataset: { group: g.id } },
        h('th', { scope: 'row', id: `group-${g.id}` }, g.name, g.organisation ? h('span', { class: 'org' }, g.organisation) : null),
        h('td', {}, localised(names.get(g.templateId)) || g.templateId || ''),
        h('td', {}, String(g.members)),
        h('td', { i18n: 'admin.heldOf', i18nParams: { held: g.progress.held, planned: g.progress.planned } }),
        h('td', {}, h('button', {
          type: 'button', class: 'manage-group', 'data-focus': `manage-${g.id}`, 'aria-describedby': `group-${g.id}`,
          'aria-pressed': String(this.selected === g.id), i18n: 'admin.manage',
          onclick: () => this.select(g.id),
        }))))));
  }

  // reports: every group's count, and attendance by organisation over
  // all groups, for coordinators and funders: CSV (for a spreadsheet)
  // or JSON.
  reports() {
    const semicolon = h('input', { type: 'checkbox', id: 'overview-semicolon', checked: lang() !== 'en' });
    const button = (kind, table, key) => h('button', {
      type: 'button', class: 'download overview-download', dataset: { kind, table: table || '' }, i18n: key,
      onclick: (e) => this.download(e.currentTarget, kind, table, semicolon.checked),
    });
    return h('section', { class: 'manage-part overview', 'aria-labelledby': 'overview-heading' },
      h('h2', { id: 'overview-heading', i18n: 'admin.reports' }),
      h('p', { class: 'hint', i18n: 'admin.reportsHint' }),
      h('p', {}, semicolon, ' ', h('label', { for: 'overview-semicolon', i18n: 'manage.semicolon' })),
      h('p', { class: 'downloads' },
        button('csv', 'groups', 'admin.report.groups'), ' ',
        button('csv', 'organisations', 'admin.report.organisations'), ' ',
        button('json', '', 'admin.report.json')));
  }

  async download(button, kind, table, semicolon) {
    button.disabled = true;
    this.status.classList.remove('problem');
    try {
      const url = kind === 'json' ? '/api/v1/report' : `/api/v1/report.csv?table=${table}${semicolon ? '&sep=semicolon' : ''}`;
      const blob = await this.api.blob(url);
      const day = new Date().toISOString().slice(0, 10);
      saveBlob(blob, kind === 'json' ? `piiri-report-${day}.json` : `piiri-${table}-${day}.csv`);
      show(this.status, 'manage.downloaded');
    } catch (err) {
      console.warn('piiri: overview report', err.code, err.message);
      show(this.status, errorKey(err, 'manage.failed'), { field: '', message: err.message });
      this.status.classList.add('problem');
    } finally {
      button.disabled = false;
    }
  }

  select(id) {
    this.selected = id;
    this.render();
    this.doc.getElementById('admin-manage-heading')?.focus();
  }

  createForm() {
    const field = (id, key, input, hint) => h('span', { class: 'field' }, h('label', { for: id, i18n: key }), input, hint || null);
    const name = h('input', { id: 'new-name', required: true, maxlength: 200, autocomplete: 'off' });
    const org = h('input', { id: 'new-org', maxlength: 200, autocomplete: 'off' });
    const language = h('select', { id: 'new-language' }, LANGUAGES.map((l) => h('option', { value: l, i18n: `admin.language.${l}` })));
    language.value = lang();
    const template = h('select', { id: 'new-template', 'aria-describedby': 'new-template-about' },
      this.templates.map((tp) => h('option', { value: tp.id }, localised(tp.name) || tp.id)));
    const about = h('p', { id: 'new-template-about', class: 'hint' });
    const describe = () => {
      const tp = this.templates.find((x) => x.id === template.value);
      about.textContent = tp ? localised(tp.description) : '';
    };
    template.addEventListener('change', describe);
    if (this.templates.some((tp) => tp.id === 'peer-group')) template.value = 'peer-group';
    describe();
    const button = h('button', { type: 'submit', class: 'primary', 'data-focus': 'create', i18n: 'admin.create' });
    return h('form', {
      class: 'add-person create-group',
      'aria-labelledby': 'create-heading',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!name.value.trim()) {
          name.focus();
          show(this.status, 'admin.nameMissing');
          this.status.classList.add('problem');
          return;
        }
        const body = { name: name.value.trim(), language: language.value, templateId: template.value };
        if (org.value.trim()) body.organisation = org.value.trim();
        button.disabled = true;
        try {
          const g = await this.api.call('POST', '/api/v1/groups', body);
          this.groups = await this.api.call('GET', '/api/v1/groups');
          this.selected = g.id;
          this.render();
          show(this.status, 'admin.created', { name: g.name });
          this.status.classList.remove('problem');
          // Next: its facilitator. The form is set for one.
          await this.loaded;
          this.body.querySelector('#add-name')?.focus();
        } catch (err) {
          console.warn('piiri: create a group', err.code, err.message);
          show(this.status, errorKey(err, 'manage.failed'), { field: err.field || '', message: err.message });
          this.status.classList.add('problem');
          button.disabled = false;
        }
      },
    },
    h('h2', { id: 'create-heading', i18n: 'admin.createHeading' }),
    field('new-name', 'admin.groupName', name), field('new-org', 'manage.organisation', org),
    field('new-language', 'admin.groupLanguage', language), field('new-template', 'admin.template', template, about),
    button);
  }
}

// localised picks the page's language from a {fi, sv, en} text.
function localised(text) {
  if (!text) return '';
  return text[lang()] || text.en || Object.values(text)[0] || '';
}

