// Ferry's web console: sign-in, the Continuous Deployments list, one CD's detail, and the
// actions of the seed. Plain ES modules from this origin; nothing is fetched from elsewhere.

import { api, session } from './api.js';
import { announce, h } from './dom.js';
import { icons } from './icons.js';
import { actionMenu } from './menu.js';
import { createDialog, deleteDialog, editInformationDialog, editYamlDialog, syncDialog } from './actions.js';
import { renderList } from './list.js';
import { renderDetail } from './detail.js';
import { renderProjects } from './projects.js';
import { refreshTimes } from './status.js';

const WRITE_ROLES = new Set(['operator', 'admin']);

const signinSection = document.getElementById('signin');
const signinForm = document.getElementById('signin-form');
const tokenInput = document.getElementById('token');
const tokenError = document.getElementById('token-error');
const view = document.getElementById('view');
const sessionBox = document.getElementById('session');
const roleChip = document.getElementById('role-chip');
const switcher = document.getElementById('project-switcher');
const navProjects = document.getElementById('nav-projects');
const navCds = document.getElementById('nav-cds');

const app = {
  role: null,
  // A project token's project (fixed); null for a bootstrap token, which sees every project.
  memberOf: null,
  // The project the list and Create are scoped to ('' = every project the token sees); kept in
  // the address (`#/?project=team-a`), so a reload or a shared link keeps it.
  currentProject: '',
  // An address of the console within the current project.
  href(path) {
    return app.currentProject && !app.memberOf ? `${path}?project=${encodeURIComponent(app.currentProject)}` : path;
  },
  canWrite: false,
  currentView: null,
  rendering: 0,
  listFilters: {},
  reload: null,
  // The switcher's projects again (after the Projects page changed them).
  refreshProjects: () => fillSwitcher(),
  actions: {
    create: (done) => createDialog({ onCreated: done, project: app.currentProject, choose: !app.memberOf }),
    sync: (name, done) => syncDialog(name, { onChanged: done }),
    menuFor(cd, changed, { afterDelete } = {}) {
      return actionMenu(`Actions for ${cd.name}`, [
        { label: 'Edit Information', action: 'edit-information', icon: icons.edit,
          onSelect: () => editInformationDialog(cd, { onChanged: changed }) },
        { label: 'Edit YAML', action: 'edit-yaml', icon: icons.code,
          onSelect: () => editYamlDialog(cd.name, { onChanged: changed }) },
        { label: 'Sync', action: 'sync', icon: icons.sync, onSelect: () => syncDialog(cd.name, { onChanged: changed }) },
        { label: 'Delete', action: 'delete', icon: icons.trash, danger: true,
          onSelect: () => deleteDialog(cd.name, { onDeleted: afterDelete || changed }) },
      ]);
    },
  },
  signOut(message) {
    session.forget();
    app.role = null;
    app.memberOf = null;
    app.currentProject = '';
    app.canWrite = false;
    switcher.replaceChildren();
    app.currentView = null;
    app.rendering += 1;
    showSignIn(message);
  },
};

function showSignIn(message) {
  document.title = 'Sign in · Ferry';
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  view.hidden = true;
  view.replaceChildren();
  sessionBox.hidden = true;
  signinSection.hidden = false;
  tokenInput.value = '';
  if (message) showTokenError(message);
  tokenInput.focus();
}

function showTokenError(message) {
  tokenError.textContent = message;
  tokenError.hidden = false;
  tokenInput.setAttribute('aria-invalid', 'true');
}

function clearTokenError() {
  tokenError.textContent = '';
  tokenError.hidden = true;
  tokenInput.removeAttribute('aria-invalid');
}

function enter({ role, project }) {
  app.role = role;
  app.memberOf = project || null;
  app.currentProject = project || '';
  app.canWrite = WRITE_ROLES.has(role);
  roleChip.textContent = project ? `${role} · ${project}` : role;
  roleChip.title = app.canWrite ? `Signed in as ${role}: may create, edit, sync and delete` : `Signed in as ${role}: read only`;
  // The sections: only a bootstrap admin has more than the list (the Projects page).
  navProjects.hidden = role !== 'admin' || Boolean(project);
  navProjects.parentElement.hidden = navProjects.hidden;
  fillSwitcher();
  sessionBox.hidden = false;
  signinSection.hidden = true;
  view.hidden = false;
  route(true);
}

// The switcher: a project token has its one project; a bootstrap token every project, and "All
// projects".
function fillSwitcher() {
  const rendering = app.role;
  if (app.memberOf) {
    switcher.replaceChildren(h('option', { value: app.memberOf }, app.memberOf));
    switcher.disabled = true;
    return;
  }
  switcher.disabled = false;
  switcher.replaceChildren(h('option', { value: '' }, 'All projects'));
  showProjectInSwitcher();
  api.projects().then((projects) => {
    if (app.role !== rendering || app.memberOf) return;
    switcher.replaceChildren(h('option', { value: '' }, 'All projects'),
      ...projects.map((p) => h('option', { value: p.name }, p.alias ? `${p.alias} (${p.name})` : p.name)));
    showProjectInSwitcher();
  }, () => {});
}

// Select the current project; one the list does not have yet (a link to a new project) is added.
function showProjectInSwitcher() {
  if (app.currentProject && ![...switcher.options].some((o) => o.value === app.currentProject)) {
    switcher.append(h('option', { value: app.currentProject }, app.currentProject));
  }
  switcher.value = app.currentProject;
}

switcher.addEventListener('change', () => {
  if (app.memberOf) return;
  app.currentProject = switcher.value;
  const { path } = parseHash();
  location.hash = `#${app.href(path.startsWith('/cds/') ? '/' : path)}`;
});

// `#/path?project=p`: the view's address and the current project.
function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const at = raw.indexOf('?');
  return at < 0 ? { path: raw, params: new URLSearchParams() }
    : { path: raw.slice(0, at), params: new URLSearchParams(raw.slice(at + 1)) };
}

function route(focusHeading = false) {
  if (!app.role) return;
  // Each rendering owns its refresh timer; a newer one retires it.
  app.rendering += 1;
  const { path, params } = parseHash();
  if (!app.memberOf) {
    app.currentProject = params.get('project') || '';
    showProjectInSwitcher();
  }
  navCds.setAttribute('href', app.href('#/'));
  navProjects.setAttribute('href', app.href('#/projects'));
  document.querySelector('.brand').setAttribute('href', app.href('#/'));
  const match = /^\/cds\/([^/]+)$/.exec(path);
  let heading;
  if (path === '/projects' && app.role === 'admin' && !app.memberOf) {
    app.currentView = 'projects';
    document.title = 'Projects · Ferry';
    heading = renderProjects(view, app);
  } else if (match) {
    const name = decodeURIComponent(match[1]);
    app.currentView = `cd:${name}`;
    document.title = `${name} · Continuous Deployments · Ferry`;
    heading = renderDetail(view, app, name);
  } else {
    app.currentView = 'list';
    document.title = 'Continuous Deployments · Ferry';
    heading = renderList(view, app);
  }
  for (const link of [navCds, navProjects]) link.removeAttribute('aria-current');
  (app.currentView === 'projects' ? navProjects : app.currentView === 'list' ? navCds : null)?.setAttribute('aria-current', 'page');
  if (focusHeading || document.activeElement === document.body) heading.focus();
}

signinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearTokenError();
  const token = tokenInput.value.trim();
  if (!token) {
    showTokenError('Enter an API token.');
    tokenInput.focus();
    return;
  }
  const submit = document.getElementById('signin-submit');
  submit.disabled = true;
  signinForm.setAttribute('aria-busy', 'true');
  try {
    const who = await api.whoami(token);
    session.keep(token);
    tokenInput.value = '';
    announce(who.project ? `Signed in as ${who.role} of project ${who.project}.` : `Signed in as ${who.role}.`);
    enter(who);
  } catch (error) {
    showTokenError(error.status === 401 ? 'This token is not valid.' : `Cannot sign in: ${error.message}`);
    tokenInput.focus();
  } finally {
    submit.disabled = false;
    signinForm.removeAttribute('aria-busy');
  }
});

document.getElementById('sign-out').addEventListener('click', () => {
  app.signOut();
  announce('Signed out.');
});

// The skip link moves focus without touching the hash, which is the view's address.
document.querySelector('.skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  const main = document.getElementById('main');
  (main.querySelector('h1[tabindex]:not([hidden])') || main).focus();
});

window.addEventListener('hashchange', () => route(true));
setInterval(() => refreshTimes(), 30000);

async function boot() {
  const token = session.token();
  if (token) {
    try {
      enter(await api.whoami(token));
    } catch (error) {
      session.forget();
      showSignIn(error.status === 401 ? 'Your token was refused. Sign in again.' : `Cannot sign in: ${error.message}`);
    }
  } else {
    signinSection.hidden = false;
  }
  document.documentElement.dataset.ready = 'true';
}

boot();
