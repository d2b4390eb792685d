// Ferry's web console: sign-in, the Continuous Deployments list, one CD's detail, and the
// actions of the seed. Plain ES modules from this origin; nothing is fetched from elsewhere.

import { api, session } from './api.js';
import { announce, h } from './dom.js';
import { icons } from './icons.js';
import { actionMenu } from './menu.js';
import { createDialog, deleteDialog, editInformationDialog, editYamlDialog, syncDialog } from './actions.js';
import { renderList } from './list.js';
import { renderDetail } from './detail.js';
import { refreshTimes } from './status.js';

const WRITE_ROLES = new Set(['operator', 'admin']);

const signinSection = document.getElementById('signin');
const signinForm = document.getElementById('signin-form');
const tokenInput = document.getElementById('token');
const tokenError = document.getElementById('token-error');
const view = document.getElementById('view');
const sessionBox = document.getElementById('session');
const roleChip = document.getElementById('role-chip');

const app = {
  role: null,
  // A project token's project (fixed); null for a bootstrap token, which sees every project.
  memberOf: null,
  // The project the list and Create are scoped to ('' = every project the token sees).
  currentProject: '',
  canWrite: false,
  currentView: null,
  rendering: 0,
  listFilters: {},
  reload: null,
  actions: {
    create: (done) => createDialog({ onCreated: done, project: app.currentProject }),
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
  sessionBox.hidden = false;
  signinSection.hidden = true;
  view.hidden = false;
  route(true);
}

function route(focusHeading = false) {
  if (!app.role) return;
  // Each rendering owns its refresh timer; a newer one retires it.
  app.rendering += 1;
  const match = /^#\/cds\/([^/]+)$/.exec(location.hash);
  let heading;
  if (match) {
    const name = decodeURIComponent(match[1]);
    app.currentView = `cd:${name}`;
    document.title = `${name} · Continuous Deployments · Ferry`;
    heading = renderDetail(view, app, name);
  } else {
    app.currentView = 'list';
    document.title = 'Continuous Deployments · Ferry';
    heading = renderList(view, app);
  }
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
