// One CD: its settings, its objects with per-object health and sync, the diff of each
// out-of-sync object, and the sync history.

import { api } from './api.js';
import { clear, h, svg } from './dom.js';
import { icons } from './icons.js';
import { isMenuOpen } from './menu.js';
import { operationView } from './actions.js';
import { sourceFacts } from './source.js';
import { healthBadge, shortSha, syncBadge, timeCell } from './status.js';

const RUNNING_POLL_MS = 2000;
const IDLE_POLL_MS = 15000;

export function renderDetail(view, app, name) {
  const heading = h('h1', { tabindex: '-1' }, name);
  const body = h('div', { class: 'detail-body' }, h('p', { class: 'muted' }, 'Loading…'));
  clear(view,
    h('nav', { class: 'breadcrumb', 'aria-label': 'Breadcrumb' },
      h('a', { href: app.href('#/') }, svg(icons.back), 'Continuous Deployments')),
    h('div', { class: 'page-header' }, h('div', { class: 'detail-title' }, heading), h('div', { class: 'detail-actions' })),
    body);
  const actionsBox = view.querySelector('.detail-actions');
  const rendering = app.rendering;
  let timer;

  async function load(background = false) {
    if (app.rendering !== rendering) return;
    if (background && (isMenuOpen() || document.querySelector('dialog[open]') || document.hidden)) {
      timer = setTimeout(() => load(true), RUNNING_POLL_MS);
      return;
    }
    let cd;
    let resources;
    let diff;
    let history;
    try {
      [cd, resources, diff, history] = await Promise.all([
        api.getCd(name), api.resources(name), api.diff(name), api.history(name)]);
    } catch (error) {
      if (error.status === 401) return app.signOut('Your token was refused. Sign in again.');
      if (app.rendering !== rendering) return;
      body.replaceChildren(h('p', { class: 'callout error', role: 'alert' },
        error.status === 404 ? `There is no continuous deployment named ${name}.` : `Cannot load ${name}: ${error.message}`));
      return;
    }
    if (app.rendering !== rendering) return;
    const spec = cd.spec || {};
    const status = cd.status || {};
    const running = status.operation?.phase === 'Running';
    clear(heading, name, spec.alias ? h('span', { class: 'alias' }, spec.alias) : null);
    const summary = { name, alias: spec.alias, description: spec.description };
    actionsBox.replaceChildren(...(app.canWrite ? [
      h('button', { type: 'button', class: 'button primary', id: 'detail-sync',
        onclick: () => app.actions.sync(name, () => load()) }, svg(icons.sync), h('span', {}, 'Sync')),
      app.actions.menuFor(summary, () => load(), { afterDelete: () => { location.hash = app.href('#/'); } }),
    ] : []));
    body.replaceChildren(...[
      h('div', { class: 'status-strip' },
        h('div', {}, h('span', { class: 'strip-label' }, 'Health Status'), healthBadge(status.health)),
        h('div', {}, h('span', { class: 'strip-label' }, 'Sync Status'), syncBadge(status.sync),
          running ? h('span', { class: 'syncing' }, svg(icons.progressing), 'Syncing') : null),
        h('div', {}, h('span', { class: 'strip-label' }, 'Update Time'), timeCell(status.updatedAt))),
      status.message ? h('p', { class: 'callout', role: 'note' }, status.message) : null,
      facts(cd),
      section('Resources', 'resources', resourcesTable(resources)),
      section('Differences', 'differences', diffList(diff)),
      status.operation ? section('Last Sync', 'last-sync', operationView(status.operation)) : null,
      section('Sync History', 'history', historyTable(history)),
    ].filter(Boolean));
    view.dataset.loaded = 'true';
    timer = setTimeout(() => load(true), running ? RUNNING_POLL_MS : IDLE_POLL_MS);
  }

  app.reload = () => { clearTimeout(timer); return load(); };
  load();
  return heading;
}

function facts(cd) {
  const spec = cd.spec || {};
  const status = cd.status || {};
  const automated = spec.syncPolicy?.automated;
  const options = spec.syncPolicy?.syncOptions || {};
  const on = [
    options.skipSchemaValidation && 'skip schema validation',
    options.createNamespace && 'auto create project',
    options.pruneLast && 'prune last',
    options.applyOutOfSyncOnly && 'apply out of sync only',
    options.replace && 'replace resources',
  ].filter(Boolean);
  const entry = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
  const location = status.location || spec.destination || {};
  return h('dl', { class: 'facts' },
    entry('Description', spec.description || h('span', { class: 'muted' }, '—')),
    entry('Code repository', h('span', { class: 'mono break' }, spec.source?.repoURL || '')),
    entry('Branch or tag', h('span', { class: 'mono' }, spec.source?.targetRevision || '')),
    entry('Manifest path', h('span', { class: 'mono' }, spec.source?.path || '')),
    // The source's type and the kustomize/helm/directory options that are set.
    ...sourceFacts(spec.source).map(([term, value]) =>
      entry(term, h('span', { class: term === 'Source Type' ? null : 'mono break', dataset: { source: term } }, value))),
    entry('Revision', status.revision ? h('span', { class: 'mono', title: status.revision }, shortSha(status.revision)) : '—'),
    entry('Deployment Location', `${location.cluster || '—'} / ${location.namespace || '—'}`),
    entry('Sync Strategy', automated
      ? `Auto sync${automated.prune ? ', prune resources' : ''}${automated.selfHeal ? ', self-heal' : ''}` : 'Manual sync'),
    entry('Sync Settings', on.length ? on.join(', ') : 'defaults'),
    entry('Prune Propagation Policy', options.prunePropagationPolicy || 'foreground'));
}

function section(title, id, content) {
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-title`, id },
    h('h2', { id: `${id}-title` }, title), content);
}

const resourceName = (r) => `${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
const kindOf = (r) => (r.group ? `${r.kind}.${r.group}` : r.kind);

function resourcesTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No resources yet: the CD has not been synced, or its path has no manifests.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data-table compact resources-table' },
    h('caption', { class: 'visually-hidden' }, 'Resources with their sync and health status'),
    h('thead', {}, h('tr', {}, ...['Kind', 'Name', 'Sync Status', 'Health Status', 'Message'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...items.map((r) => h('tr', { dataset: { resource: `${r.kind}/${resourceName(r)}` } },
      h('td', { 'data-label': 'Kind' }, kindOf(r)),
      h('td', { 'data-label': 'Name', class: 'mono' }, resourceName(r)),
      h('td', { 'data-label': 'Sync Status' }, syncBadge(r.sync)),
      h('td', { 'data-label': 'Health Status' }, r.health ? healthBadge(r.health) : h('span', { class: 'muted' }, 'no health rule')),
      h('td', { 'data-label': 'Message' }, r.message || ''))))));
}

function diffList(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'Every object is as Git describes it.');
  return h('div', { class: 'diffs' }, ...items.map((item) => h('details', { class: 'diff-item', open: true },
    h('summary', {}, `${kindOf(item)} ${resourceName(item)}`),
    h('pre', { class: 'diff', tabindex: '0', 'aria-label': `Differences of ${item.kind} ${resourceName(item)}` },
      ...String(item.diff || '').split('\n').map((line) => h('span', { class: lineClass(line) }, `${line}\n`))))));
}

function lineClass(line) {
  if (line.startsWith('+++') || line.startsWith('---')) return 'diff-file';
  if (line.startsWith('@@')) return 'diff-hunk';
  if (line.startsWith('+')) return 'diff-add';
  if (line.startsWith('-')) return 'diff-remove';
  return 'diff-context';
}

const PHASE_TONE = { Succeeded: 'green', Failed: 'red', Running: 'blue', Error: 'red' };

function historyTable(items) {
  if (!items.length) return h('p', { class: 'muted' }, 'No sync yet.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data-table compact history-table' },
    h('caption', { class: 'visually-hidden' }, 'Sync history, newest first'),
    h('thead', {}, h('tr', {}, ...['Result', 'Revision', 'Started', 'Finished', 'Initiated by', 'Message'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...items.map((entry) => h('tr', {},
      h('td', { 'data-label': 'Result' }, h('span', { class: `badge tone-${PHASE_TONE[entry.phase] || 'grey'}` }, entry.phase || '')),
      h('td', { 'data-label': 'Revision', class: 'mono', title: entry.revision || '' }, shortSha(entry.revision)),
      h('td', { 'data-label': 'Started' }, timeCell(entry.startedAt)),
      h('td', { 'data-label': 'Finished' }, timeCell(entry.finishedAt)),
      h('td', { 'data-label': 'Initiated by' }, entry.initiatedBy || ''),
      h('td', { 'data-label': 'Message' }, entry.message || ''))))));
}
