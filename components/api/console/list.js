// The Continuous Deployments page: the list, its filters and search, refreshed while anything syncs.

import { api } from './api.js';
import { announce, clear, h, svg } from './dom.js';
import { icons } from './icons.js';
import { isMenuOpen } from './menu.js';
import { HEALTH, SYNC, healthBadge, syncBadge, timeCell } from './status.js';

const SYNCING_POLL_MS = 2000;
const IDLE_POLL_MS = 15000;

export function renderList(view, app) {
  // Scoped to the project of the header's switcher (none: every project the token sees).
  const filters = { ...app.listFilters, project: app.currentProject };
  const search = h('input', { type: 'search', id: 'cd-search', placeholder: 'Search by name, alias or description',
    value: filters.q || '', autocomplete: 'off', spellcheck: 'false', 'aria-controls': 'cd-table' });
  const health = h('select', { id: 'filter-health', 'aria-controls': 'cd-table' }, h('option', { value: '' }, 'All'),
    ...Object.entries(HEALTH).map(([v, m]) => h('option', { value: v, selected: filters.health === v }, m.label)));
  const sync = h('select', { id: 'filter-sync', 'aria-controls': 'cd-table' }, h('option', { value: '' }, 'All'),
    ...Object.entries(SYNC).map(([v, m]) => h('option', { value: v, selected: filters.sync === v }, m.label)));
  const refresh = h('button', { type: 'button', class: 'button', id: 'refresh' }, svg(icons.refresh), h('span', {}, 'Refresh'));
  const create = app.canWrite
    ? h('button', { type: 'button', class: 'button primary', id: 'create-cd' }, svg(icons.plus), h('span', {}, 'Create'))
    : null;
  const tbody = h('tbody', {});
  const status = h('p', { class: 'list-status', id: 'list-status', 'aria-live': 'polite' });
  const heading = h('h1', { tabindex: '-1' }, 'Continuous Deployments');
  const scope = app.currentProject
    ? h('p', { class: 'scope', id: 'list-scope' }, 'In project ', h('strong', {}, app.currentProject)) : null;

  clear(view,
    h('div', { class: 'page-header' },
      h('div', {}, heading, h('p', { class: 'subtitle' },
        'Deploy from Git: each continuous deployment keeps a cluster project in the state its repository describes.'), scope),
      create),
    h('div', { class: 'toolbar', role: 'search', 'aria-label': 'Filter continuous deployments' },
      h('div', { class: 'search' }, h('label', { for: 'cd-search', class: 'visually-hidden' }, 'Search'), svg(icons.search), search),
      h('div', { class: 'filter' }, h('label', { for: 'filter-health' }, 'Health'), health),
      h('div', { class: 'filter' }, h('label', { for: 'filter-sync' }, 'Sync'), sync),
      refresh),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'data-table cd-table', id: 'cd-table' },
        h('caption', { class: 'visually-hidden' }, 'Continuous deployments'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col' }, 'Health Status'),
          h('th', { scope: 'col' }, 'Sync Status'),
          h('th', { scope: 'col' }, 'Deployment Location'),
          h('th', { scope: 'col' }, 'Update Time'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
        tbody)),
    status);

  let timer = null;
  let generation = 0;
  const rendering = app.rendering;
  const schedule = (ms) => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), ms);
  };

  async function load(background = false) {
    if (app.rendering !== rendering || app.currentView !== 'list') return;
    if (background && (isMenuOpen() || document.querySelector('dialog[open]') || document.hidden)) {
      schedule(SYNCING_POLL_MS);
      return;
    }
    const mine = ++generation;
    view.setAttribute('aria-busy', 'true');
    let items;
    try {
      items = await api.listCds(filters);
    } catch (error) {
      if (mine !== generation) return;
      view.removeAttribute('aria-busy');
      if (error.status === 401) return app.signOut('Your token was refused. Sign in again.');
      status.textContent = `Cannot load the list: ${error.message}`;
      status.classList.add('error');
      schedule(IDLE_POLL_MS);
      return;
    }
    if (mine !== generation || app.rendering !== rendering) return;
    view.removeAttribute('aria-busy');
    status.classList.remove('error');
    // A refresh replaces the rows: keep focus on the same control of the same row.
    const focused = tbody.contains(document.activeElement) ? focusSelector(document.activeElement) : null;
    tbody.replaceChildren(...(items.length ? items.map((cd) => row(cd, app)) : [emptyRow(filters, app)]));
    if (focused) tbody.querySelector(focused)?.focus();
    const syncing = items.filter((cd) => cd.syncing).length;
    const summary = `${items.length} continuous deployment${items.length === 1 ? '' : 's'}${syncing ? `, ${syncing} syncing` : ''}`;
    // Announced only when it changes.
    if (status.textContent !== summary) status.textContent = summary;
    view.dataset.loaded = 'true';
    schedule(syncing ? SYNCING_POLL_MS : IDLE_POLL_MS);
  }

  let debounce;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { filters.q = search.value.trim(); app.listFilters = { ...filters }; load(); }, 250);
  });
  health.addEventListener('change', () => { filters.health = health.value; app.listFilters = { ...filters }; load(); });
  sync.addEventListener('change', () => { filters.sync = sync.value; app.listFilters = { ...filters }; load(); });
  refresh.addEventListener('click', () => load().then(() => announce('List refreshed.')));
  create?.addEventListener('click', () => app.actions.create(() => load()));

  app.reload = () => load();
  load();
  return heading;
}

function row(cd, app) {
  const location = cd.location || {};
  const name = h('a', { href: app.href(`#/cds/${encodeURIComponent(cd.name)}`), class: 'cd-name' }, cd.name);
  return h('tr', { dataset: { cd: cd.name } },
    h('td', { 'data-label': 'Name' }, h('div', { class: 'name-cell' }, name,
      cd.alias ? h('span', { class: 'alias' }, cd.alias) : null,
      cd.description ? h('span', { class: 'description' }, cd.description) : null)),
    h('td', { 'data-label': 'Health Status' }, healthBadge(cd.health)),
    h('td', { 'data-label': 'Sync Status' }, h('div', { class: 'sync-cell' }, syncBadge(cd.sync),
      cd.syncing ? h('span', { class: 'syncing', title: 'A sync is running' }, svg(icons.progressing), 'Syncing') : null,
      h('span', { class: 'strategy' }, cd.automated ? 'Auto sync' : 'Manual sync'))),
    h('td', { 'data-label': 'Deployment Location' }, h('span', { class: 'location' },
      h('span', { class: 'cluster' }, location.cluster || '—'), h('span', { class: 'sep', 'aria-hidden': 'true' }, ' / '),
      h('span', { class: 'visually-hidden' }, ', project '), h('span', { class: 'namespace' }, location.namespace || '—'))),
    h('td', { 'data-label': 'Update Time' }, timeCell(cd.updatedAt)),
    h('td', { class: 'actions-cell' }, app.canWrite ? app.actions.menuFor(cd, () => app.reload?.()) : null));
}

function emptyRow(filters, app) {
  const filtered = filters.q || filters.health || filters.sync;
  return h('tr', { class: 'empty' }, h('td', { colspan: '6' },
    h('p', {}, filtered ? 'No continuous deployment matches these filters.'
      : app.canWrite ? 'No continuous deployments yet. Create one to deploy an application from Git.'
        : 'No continuous deployments yet.')));
}


function focusSelector(element) {
  const label = element.getAttribute('aria-label');
  if (label) return `[aria-label="${CSS.escape(label)}"]`;
  const href = element.getAttribute('href');
  if (href) return `a[href="${CSS.escape(href)}"]`;
  return null;
}
