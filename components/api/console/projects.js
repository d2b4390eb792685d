// The Projects page (bootstrap admins): DevOps projects with their fences, created, edited and
// deleted through `/api/v1/projects`, and each project's tokens — made (the token shown once,
// with a copy button), listed without the token, revoked.

import { api, ApiError } from './api.js';
import { announce, clear, h, svg, uniqueId } from './dom.js';
import { field, openDialog, setFieldError, showFieldErrors } from './dialog.js';
import { icons } from './icons.js';
import { timeCell } from './status.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const KIND_LISTS = [
  ['clusterResourceWhitelist', 'Cluster resources allowed', 'Cluster-scoped kinds the CDs may write, one group/Kind a line (Kind alone for the core group; * for every kind). Empty: none.'],
  ['clusterResourceBlacklist', 'Cluster resources denied', 'Cluster-scoped kinds refused even when allowed above.'],
  ['namespaceResourceWhitelist', 'Namespaced resources allowed', 'Empty: every namespaced kind.'],
  ['namespaceResourceBlacklist', 'Namespaced resources denied', 'Namespaced kinds refused.'],
];

export function renderProjects(view, app) {
  const heading = h('h1', { tabindex: '-1' }, 'Projects');
  const create = h('button', { type: 'button', class: 'button primary', id: 'create-project' }, svg(icons.plus), h('span', {}, 'Create Project'));
  const tbody = h('tbody', {});
  const status = h('p', { class: 'list-status', id: 'projects-status', 'aria-live': 'polite' });
  clear(view,
    h('div', { class: 'page-header' },
      h('div', {}, heading, h('p', { class: 'subtitle' },
        'DevOps projects fence what their continuous deployments may touch: repositories, destinations and kinds. Their tokens hold a role in one project.')),
      create),
    h('div', { class: 'table-wrap' },
      h('table', { class: 'data-table', id: 'project-table' },
        h('caption', { class: 'visually-hidden' }, 'Projects'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Name'),
          h('th', { scope: 'col' }, 'Repositories'),
          h('th', { scope: 'col' }, 'Destinations'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
        tbody)),
    status);
  const rendering = app.rendering;

  async function load() {
    let items;
    view.setAttribute('aria-busy', 'true');
    try {
      items = await api.projects();
    } catch (error) {
      view.removeAttribute('aria-busy');
      if (error.status === 401) return app.signOut('Your token was refused. Sign in again.');
      status.textContent = `Cannot load the projects: ${error.message}`;
      status.classList.add('error');
      return;
    }
    if (app.rendering !== rendering) return;
    view.removeAttribute('aria-busy');
    status.classList.remove('error');
    tbody.replaceChildren(...items.map((p) => row(p)));
    status.textContent = `${items.length} project${items.length === 1 ? '' : 's'}`;
    app.refreshProjects?.();
    view.dataset.loaded = 'true';
  }

  function row(p) {
    return h('tr', { dataset: { project: p.name } },
      h('td', { 'data-label': 'Name' }, h('div', { class: 'name-cell' },
        h('a', { class: 'project-name', href: `#/?project=${encodeURIComponent(p.name)}` }, p.name),
        p.alias ? h('span', { class: 'alias' }, p.alias) : null,
        p.description ? h('span', { class: 'description' }, p.description) : null)),
      h('td', { 'data-label': 'Repositories' }, h('ul', { class: 'plain-list' },
        ...(p.sourceRepos || []).map((r) => h('li', { class: 'mono' }, r)))),
      h('td', { 'data-label': 'Destinations' }, h('ul', { class: 'plain-list' },
        ...(p.destinations || []).map((d) => h('li', { class: 'mono' }, destinationLine(d))))),
      h('td', { class: 'project-actions', 'data-label': 'Actions' },
        h('button', { type: 'button', class: 'button', 'data-action': 'tokens', 'aria-label': `Tokens of ${p.name}`,
          onclick: () => tokensDialog(p, app) }, 'Tokens'),
        h('button', { type: 'button', class: 'button', 'data-action': 'edit', 'aria-label': `Edit ${p.name}`,
          onclick: () => projectDialog({ existing: p, onSaved: load }) }, svg(icons.edit), h('span', {}, 'Edit')),
        p.name === 'default' ? null : h('button', { type: 'button', class: 'button danger-outline', 'data-action': 'delete',
          'aria-label': `Delete ${p.name}`, onclick: () => deleteProjectDialog(p.name, { onDeleted: load }) },
        svg(icons.trash), h('span', {}, 'Delete'))));
  }

  create.addEventListener('click', () => projectDialog({ onSaved: load }));
  app.reload = load;
  load();
  return heading;
}

// --- the project's lists as text, one entry a line -------------------------------------------

// `prod/a-*` (a cluster name), `https://10.0.0.1:6443/a-*` (a server URL); `!` first denies.
function destinationLine(d) {
  const bare = (v) => (v || '').replace(/^!/, '');
  const negated = [d.server, d.name, d.namespace].some((v) => v?.startsWith('!'));
  const where = d.name !== undefined && d.name !== null ? bare(d.name) : bare(d.server);
  return `${negated ? '!' : ''}${where}/${bare(d.namespace)}`;
}

function parseDestination(line) {
  const negated = line.startsWith('!');
  const text = negated ? line.slice(1) : line;
  const at = text.lastIndexOf('/');
  if (at <= 0 || at === text.length - 1) return { error: 'write cluster/namespace (the cluster by name or server URL; * matches any)' };
  const where = text.slice(0, at);
  const namespace = text.slice(at + 1);
  const entry = where.includes('://') ? { server: where } : { name: where };
  entry.namespace = negated ? `!${namespace}` : namespace;
  return { entry };
}

const kindLine = (gk) => (gk.group ? `${gk.group}/${gk.kind}` : gk.kind);

function parseKind(line) {
  const at = line.indexOf('/');
  const group = at < 0 ? '' : line.slice(0, at);
  const kind = at < 0 ? line : line.slice(at + 1);
  if (!kind) return { error: 'write group/Kind, or Kind for the core group' };
  return { entry: { group, kind } };
}

// The non-empty lines of a textarea, with their numbers (`control.sourceLines`: an API error on
// entry [i] names its line).
function lines(control) {
  const entries = [];
  control.value.split('\n').forEach((text, i) => {
    if (text.trim()) entries.push({ text: text.trim(), line: i + 1 });
  });
  control.sourceLines = entries.map((e) => e.line);
  return entries;
}

function area(name, text) {
  const control = h('textarea', { name, rows: '3', spellcheck: 'false', autocapitalize: 'none', class: 'mono' });
  control.value = text;
  return control;
}

// --- create / edit --------------------------------------------------------------------------

export function projectDialog({ existing = null, onSaved }) {
  const name = h('input', { type: 'text', name: 'name', maxlength: '63', autocomplete: 'off', spellcheck: 'false',
    value: existing?.name || '', readonly: Boolean(existing) });
  const alias = h('input', { type: 'text', name: 'alias', autocomplete: 'off', value: existing?.alias || '' });
  const description = h('textarea', { name: 'description', rows: '2' });
  description.value = existing?.description || '';
  const repos = area('sourceRepos', (existing?.sourceRepos || []).join('\n'));
  const destinations = area('destinations', (existing?.destinations || []).map(destinationLine).join('\n'));
  const kinds = KIND_LISTS.map(([key]) => area(key, (existing?.[key] || []).map(kindLine).join('\n')));

  const controls = openDialog({
    title: existing ? `Edit Project: ${existing.name}` : 'Create Project',
    wide: true,
    submitLabel: existing ? 'Save' : 'Create',
    content: [
      field({ label: 'Name', control: name, name: 'name', required: !existing,
        help: existing ? 'A project keeps its name.' : 'Lowercase letters, digits and hyphens; at most 63 characters.' }),
      field({ label: 'Alias', control: alias, name: 'alias', optional: true }),
      field({ label: 'Description', control: description, name: 'description', optional: true }),
      field({ label: 'Source repositories', control: repos, name: 'sourceRepos',
        help: 'One repository URL pattern a line: * any run without /, ** across /, ? one character; ! first denies; * alone allows every repository.' }),
      field({ label: 'Destinations', control: destinations, name: 'destinations',
        help: 'One cluster/namespace a line, the cluster by name (prod) or server URL, globs allowed: prod/a-*; ! first denies: !prod/a-secret.' }),
      h('div', { class: 'two-columns' }, ...KIND_LISTS.map(([key, label, help], i) =>
        field({ label, control: kinds[i], name: key, help }))),
    ],
    async onSubmit() {
      const invalid = [];
      const doc = {};
      if (!existing) {
        doc.name = name.value.trim();
        if (!doc.name) setFieldError(name, 'Required.');
        else if (!DNS_LABEL.test(doc.name)) setFieldError(name, 'Use lowercase letters, digits and hyphens, starting and ending with a letter or digit.');
        if (!DNS_LABEL.test(doc.name)) invalid.push(name);
      }
      if (alias.value.trim()) doc.alias = alias.value.trim();
      if (description.value.trim()) doc.description = description.value.trim();
      doc.sourceRepos = lines(repos).map((e) => e.text);
      const parsed = (control, parse) => lines(control).map(({ text, line }) => {
        const result = parse(text);
        if (result.error) {
          setFieldError(control, `Line ${line}: ${result.error}`);
          if (!invalid.includes(control)) invalid.push(control);
        }
        return result.entry;
      });
      doc.destinations = parsed(destinations, parseDestination);
      KIND_LISTS.forEach(([key], i) => {
        const entries = parsed(kinds[i], parseKind);
        // No namespaced whitelist: every namespaced kind.
        if (key !== 'namespaceResourceWhitelist' || entries.length) doc[key] = entries;
      });
      if (invalid.length) {
        invalid[0].focus();
        return false;
      }
      try {
        if (existing) await api.replaceProject(existing.name, doc);
        else await api.createProject(doc);
      } catch (error) {
        if (error.status === 409) {
          setFieldError(name, error.message);
          name.focus();
          return false;
        }
        if (error instanceof ApiError && error.fields.length) {
          const { unclaimed, marked } = showFieldErrors(controls.form, error.fields);
          if (unclaimed.length) controls.showError([error.message, ...unclaimed]);
          marked[0]?.focus();
          return false;
        }
        throw error;
      }
      announce(existing ? `Saved project ${existing.name}.` : `Created project ${doc.name}.`, 'success');
      onSaved?.();
      return true;
    },
  });
  controls.dialog.classList.add('project-dialog');
  return controls;
}

function deleteProjectDialog(name, { onDeleted }) {
  return openDialog({
    title: `Delete project ${name}?`,
    danger: true,
    submitLabel: 'Delete',
    content: [h('p', {}, 'The project ', h('strong', {}, name),
      ' and its tokens will be deleted. A project that still has continuous deployments cannot be deleted.')],
    async onSubmit() {
      const result = await api.deleteProject(name);
      const revoked = result?.tokensRevoked || 0;
      announce(`Deleted project ${name}${revoked ? ` and revoked ${revoked} token${revoked === 1 ? '' : 's'}` : ''}.`, 'success');
      onDeleted?.();
      return true;
    },
  });
}

// --- tokens ---------------------------------------------------------------------------------

function tokensDialog(project, app) {
  const tbody = h('tbody', {});
  const listStatus = h('p', { class: 'help', 'aria-live': 'polite' });
  const tokenName = h('input', { type: 'text', name: 'token-name', maxlength: '63', autocomplete: 'off', spellcheck: 'false', placeholder: 'ci' });
  const role = h('select', { name: 'token-role' }, h('option', { value: 'viewer' }, 'viewer'), h('option', { value: 'operator' }, 'operator'));
  const expires = h('input', { type: 'text', name: 'token-expires', autocomplete: 'off', spellcheck: 'false', placeholder: '30d' });
  // The new token, shown this once: it is in no list and gone with the dialog.
  const shown = h('div', { class: 'new-token', hidden: true, role: 'status' });

  const load = async () => {
    let items;
    try {
      items = await api.tokens(project.name);
    } catch (error) {
      if (error.status === 401) return app.signOut('Your token was refused. Sign in again.');
      listStatus.textContent = `Cannot load the tokens: ${error.message}`;
      return;
    }
    tbody.replaceChildren(...(items.length ? items.map((t) => h('tr', { dataset: { token: t.name } },
      h('td', { 'data-label': 'Name' }, h('span', { class: 'token-name' }, t.name)),
      h('td', { 'data-label': 'Role' }, h('span', { class: 'token-role' }, t.role)),
      h('td', { 'data-label': 'Created' }, timeCell(t.createdAt)),
      h('td', { 'data-label': 'Expires' }, t.expiresAt ? timeCell(t.expiresAt) : h('span', { class: 'muted' }, 'Never')),
      h('td', { 'data-label': 'Last used' }, t.lastUsedAt ? timeCell(t.lastUsedAt) : h('span', { class: 'muted' }, 'Never')),
      h('td', { class: 'actions-cell' }, h('button', { type: 'button', class: 'button danger-outline', 'data-action': 'revoke',
        'aria-label': `Revoke ${t.name}`, onclick: () => revokeDialog(project.name, t.name, { onRevoked: load }) }, 'Revoke'))))
      : [h('tr', { class: 'empty' }, h('td', { colspan: '6' }, 'No tokens yet.'))]));
    listStatus.textContent = `${items.length} token${items.length === 1 ? '' : 's'}`;
    tbody.dataset.loaded = 'true';
  };

  const controls = openDialog({
    title: `Tokens of ${project.name}`,
    wide: true,
    submitLabel: 'Create token',
    cancelLabel: 'Close',
    content: [
      h('table', { class: 'data-table compact', id: 'token-table' },
        h('caption', { class: 'visually-hidden' }, `Tokens of project ${project.name}`),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col' }, 'Role'), h('th', { scope: 'col' }, 'Created'),
          h('th', { scope: 'col' }, 'Expires'), h('th', { scope: 'col' }, 'Last used'),
          h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
        tbody),
      listStatus,
      h('fieldset', { class: 'group' }, h('legend', {}, 'New token'),
        h('div', { class: 'three-columns' },
          field({ label: 'Token name', control: tokenName, name: 'name', required: true,
            help: 'Named in the history of the syncs it asks for.' }),
          field({ label: 'Role', control: role, name: 'role' }),
          field({ label: 'Expires in', control: expires, name: 'expiresIn', optional: true, help: 'e.g. 30d, 12h; empty: never.' }))),
      shown,
    ],
    async onSubmit() {
      shown.hidden = true;
      shown.replaceChildren();
      const request = { name: tokenName.value.trim(), role: role.value };
      if (!request.name) {
        setFieldError(tokenName, 'Required.');
        tokenName.focus();
        return false;
      }
      if (expires.value.trim()) request.expiresIn = expires.value.trim();
      let created;
      try {
        created = await api.createToken(project.name, request);
      } catch (error) {
        if (error.status === 409) {
          setFieldError(tokenName, error.message);
          tokenName.focus();
          return false;
        }
        if (error instanceof ApiError && error.fields.length) {
          const { unclaimed, marked } = showFieldErrors(controls.form, error.fields);
          if (unclaimed.length) controls.showError([error.message, ...unclaimed]);
          marked[0]?.focus();
          return false;
        }
        throw error;
      }
      showOnce(shown, created);
      tokenName.value = '';
      expires.value = '';
      announce(`Created token ${created.name}; copy it now, it is not shown again.`, 'success');
      load();
      return false;
    },
  });
  controls.dialog.classList.add('tokens-dialog');
  load();
  return controls;
}

function showOnce(box, created) {
  const id = uniqueId('new-token');
  const value = h('input', { type: 'text', id, class: 'mono', readonly: true, spellcheck: 'false', autocomplete: 'off',
    'aria-describedby': `${id}-help` });
  value.value = created.token;
  const copy = h('button', { type: 'button', class: 'button', 'data-action': 'copy-token' }, 'Copy');
  copy.addEventListener('click', async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(value.value);
    } catch {
      document.execCommand?.('copy');
    }
    announce('Token copied.');
  });
  box.replaceChildren(
    h('label', { for: id }, `Token ${created.name} (${created.role})`),
    h('div', { class: 'copy-row' }, value, copy),
    h('p', { class: 'help', id: `${id}-help` }, 'Copy it now: it is shown this once and never again.'));
  box.hidden = false;
  value.focus();
  value.select();
}

function revokeDialog(project, token, { onRevoked }) {
  return openDialog({
    title: `Revoke ${token}?`,
    danger: true,
    submitLabel: 'Revoke',
    content: [h('p', {}, 'The token ', h('strong', {}, token), ' of project ', h('strong', {}, project),
      ' stops working at once: its next request is refused.')],
    async onSubmit() {
      await api.revokeToken(project, token);
      announce(`Revoked token ${token}.`, 'success');
      onRevoked?.();
      return true;
    },
  });
}
