// The actions of the seed: Create (in its steps), and per CD Edit Information, Edit YAML, Sync
// and Delete. Each opens a dialog and talks to the API of docs/API.md.

import { api, ApiError } from './api.js';
import { announce, h, uniqueId } from './dom.js';
import { choice, field, openDialog, setFieldError, showFieldErrors } from './dialog.js';
import { sourceTypeGroup } from './source.js';
import { allowedClusters, destinationFenceText, permitsDestination, permitsSource, sourceFenceText, suggestedNamespaces, suggestedRepos } from './fences.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const PROVIDERS = [
  ['', 'Detect from the URL'],
  ['github', 'GitHub'],
  ['gitlab', 'GitLab'],
  ['gitea', 'Gitea'],
  ['forgejo', 'Forgejo'],
  ['gogs', 'Gogs'],
  ['bitbucket', 'Bitbucket Cloud'],
  ['bitbucket-server', 'Bitbucket Data Center'],
  ['azure-devops', 'Azure DevOps'],
];

export const SYNC_SETTINGS = [
  ['skipSchemaValidation', 'Skip schema validation', 'Does not validate resources.'],
  ['createNamespace', 'Auto create project', 'Automatically creates a project during synchronization.'],
  ['pruneLast', 'Prune last', 'Deletes resources that no longer exist after all resources have been synchronized and become healthy.'],
  ['applyOutOfSyncOnly', 'Apply out of sync only', 'Skips syncing resources that are already in the desired state.'],
];

export const PROPAGATION = [
  ['foreground', 'foreground', 'Deletes dependents first, and then deletes owners.'],
  ['background', 'background', 'Deletes owners first, and then deletes dependents.'],
  ['orphan', 'orphan', 'Deletes owners while retaining dependents.'],
];

const input = (attributes = {}) => h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...attributes });
const checked = (root, name) => root.querySelector(`input[name="${name}"]`).checked;
const value = (root, name) => root.querySelector(`[name="${name}"]`).value.trim();
const radioValue = (root, name) => root.querySelector(`input[name="${name}"]:checked`)?.value;

function group(legend, ...children) {
  return h('fieldset', { class: 'group' }, h('legend', {}, legend), ...children);
}

function syncSettingsGroup(prefix, options = {}) {
  return group(
    'Sync Settings',
    ...SYNC_SETTINGS.map(([key, label, help]) =>
      choice({ name: `${prefix}${key}`, label, help, checked: Boolean(options[key]), field: `spec.syncPolicy.syncOptions.${key}` }),
    ),
  );
}

function propagationGroup(prefix, selected = 'foreground') {
  return group(
    'Prune Propagation Policy',
    h('div', { class: 'radio-row' },
      ...PROPAGATION.map(([v, label, help], i) =>
        choice({ type: 'radio', name: `${prefix}prunePropagationPolicy`, value: v, label, help, checked: v === selected,
          field: i === 0 ? 'spec.syncPolicy.syncOptions.prunePropagationPolicy' : undefined }),
      )),
  );
}

function replaceGroup(prefix, on = false) {
  return group(
    'Replace Resource',
    choice({ name: `${prefix}replace`, label: 'Replace resources that already exist', checked: on,
      help: 'Replaces existing resources (like kubectl replace) instead of applying the changes.', field: 'spec.syncPolicy.syncOptions.replace' }),
  );
}

function readSyncOptions(root, prefix) {
  const options = {};
  for (const [key] of SYNC_SETTINGS) options[key] = checked(root, `${prefix}${key}`);
  options.prunePropagationPolicy = radioValue(root, `${prefix}prunePropagationPolicy`) || 'foreground';
  options.replace = checked(root, `${prefix}replace`);
  return options;
}

function errorFromApi(controls, error) {
  if (error instanceof ApiError && error.fields.length) {
    const { unclaimed, marked } = showFieldErrors(controls.form, error.fields);
    if (unclaimed.length) controls.showError([error.message, ...unclaimed]);
    return marked;
  }
  controls.showError(error.message);
  return [];
}

// --- Create ------------------------------------------------------------------------------

// `project`: the current project (fixed); none and `choose` (a bootstrap token, which may write
// to every project): the form has a DevOps project to pick, `default` first.
export function createDialog({ onCreated, project = '', choose = false }) {
  const name = input({ name: 'name', maxlength: '63', placeholder: 'guestbook', autocapitalize: 'none' });
  const alias = input({ name: 'alias', placeholder: 'Guestbook' });
  const description = h('textarea', { name: 'description', rows: '2' });
  const projectSelect = !project && choose
    ? h('select', { name: 'project' }, h('option', { value: 'default' }, 'default')) : null;
  const repoURL = input({ name: 'repoURL', type: 'url', placeholder: 'https://github.com/org/apps', inputmode: 'url', list: uniqueId('repo-options') });
  const repoOptions = h('datalist', { id: repoURL.getAttribute('list') });
  const provider = h('select', { name: 'provider' }, ...PROVIDERS.map(([v, label]) => h('option', { value: v }, label)));
  const cluster = input({ name: 'cluster', value: 'in-cluster', list: 'cluster-options' });
  const clusterOptions = h('datalist', { id: 'cluster-options' });
  const namespace = input({ name: 'namespace', placeholder: 'guestbook', maxlength: '63', list: uniqueId('namespace-options') });
  const namespaceOptions = h('datalist', { id: namespace.getAttribute('list') });
  const revision = input({ name: 'targetRevision', value: 'main' });
  const path = input({ name: 'path', placeholder: 'guestbook' });
  const sourceType = sourceTypeGroup();
  // The fences of the chosen project, under the fields they fence.
  const repoFence = h('p', { class: 'help fence', id: uniqueId('repo-fence'), hidden: true });
  const destinationFence = h('p', { class: 'help fence', id: uniqueId('destination-fence'), hidden: true });

  // What the pick lists offer: every registered cluster, and of them what the project allows.
  let clusters = [];
  let fences = null;
  const chosenProject = () => project || (projectSelect && projectSelect.value !== 'default' ? projectSelect.value : '');
  const clusterNamed = (text) => clusters.find((c) => c.name === text);
  const offerNamespaces = () => {
    const chosen = clusterNamed(cluster.value.trim());
    namespaceOptions.replaceChildren(...(fences && chosen ? suggestedNamespaces(fences, chosen) : [])
      .map((ns) => h('option', { value: ns })));
  };
  const offer = () => {
    const offered = fences ? allowedClusters(fences, clusters) : clusters;
    clusterOptions.replaceChildren(...offered.map((c) => h('option', { value: c.name }, c.server || c.name)));
    repoOptions.replaceChildren(...(fences ? suggestedRepos(fences) : []).map((url) => h('option', { value: url })));
    if (fences && offered.length && !offered.some((c) => c.name === cluster.value.trim())) cluster.value = offered[0].name;
    repoFence.textContent = fences ? sourceFenceText(fences) : '';
    repoFence.hidden = !fences;
    destinationFence.textContent = fences ? destinationFenceText(fences) : '';
    destinationFence.hidden = !fences;
    offerNamespaces();
  };
  cluster.addEventListener('input', offerNamespaces);
  const loadFences = () => {
    const wanted = chosenProject();
    fences = null;
    offer();
    if (!wanted) return;
    api.getProject(wanted).then((p) => {
      if (chosenProject() !== wanted) return;
      fences = p;
      offer();
    }, () => {});
  };
  projectSelect?.addEventListener('change', loadFences);
  if (projectSelect) {
    api.projects().then((projects) => {
      const chosen = projectSelect.value;
      projectSelect.replaceChildren(h('option', { value: 'default' }, 'default'),
        ...projects.filter((p) => p.name !== 'default')
          .map((p) => h('option', { value: p.name }, p.alias ? `${p.alias} (${p.name})` : p.name)));
      projectSelect.value = chosen;
    }, () => {});
  }
  api.clusters().then((items) => { clusters = items; offer(); }, () => {});
  loadFences();

  const manual = choice({ type: 'radio', name: 'strategy', value: 'manual', label: 'Manual Sync', checked: true,
    help: 'Synchronize only when someone clicks Sync.' });
  const auto = choice({ type: 'radio', name: 'strategy', value: 'auto', label: 'Auto Sync',
    help: 'Synchronize whenever Git changes.', field: 'spec.syncPolicy.automated' });
  const autoOptions = h('div', { class: 'sub-options', id: uniqueId('auto-options'), hidden: true },
    choice({ name: 'prune', label: 'Prune resources', help: 'Automatically deletes resources that are no longer defined in Git.', field: 'spec.syncPolicy.automated.prune' }),
    choice({ name: 'selfHeal', label: 'Self-heal', help: 'Always synchronizes the state defined in Git.', field: 'spec.syncPolicy.automated.selfHeal' }),
  );

  const steps = [
    h('fieldset', { class: 'step', 'data-step': '1' },
      h('legend', { class: 'visually-hidden' }, 'Basic Information'),
      field({ label: 'Name', control: name, name: 'metadata.name', required: true,
        help: 'Lowercase letters, digits and hyphens; starts and ends with a letter or digit; at most 63 characters.' }),
      field({ label: 'Alias', control: alias, name: 'spec.alias', optional: true }),
      field({ label: 'Description', control: description, name: 'spec.description', optional: true }),
      projectSelect ? field({ label: 'DevOps project', control: projectSelect, name: 'spec.project',
        help: 'The project the continuous deployment belongs to; its fences decide the repositories and destinations.' }) : null,
      withFence(field({ label: 'Code repository', control: repoURL, name: 'spec.source.repoURL', required: true,
        help: 'The URL of the Git repository that holds the manifests.' }), repoURL, repoFence),
      repoOptions,
      field({ label: 'Provider', control: provider, name: 'spec.source.provider',
        help: 'Needed for self-hosted servers, whose host does not name the provider.' }),
    ),
    h('fieldset', { class: 'step', 'data-step': '2', hidden: true },
      h('legend', { class: 'visually-hidden' }, 'Deployment Settings'),
      group('Deployment Location',
        h('div', { class: 'two-columns' },
          field({ label: 'Cluster', control: cluster, name: 'spec.destination.cluster', required: true }),
          withFence(field({ label: 'Project', control: namespace, name: 'spec.destination.namespace', required: true,
            help: 'The namespace the resources are deployed to.' }), namespace, destinationFence)),
        clusterOptions, namespaceOptions),
      group('Code Repository Settings',
        h('div', { class: 'two-columns' },
          field({ label: 'Branch or tag', control: revision, name: 'spec.source.targetRevision', required: true }),
          field({ label: 'Manifest file path', control: path, name: 'spec.source.path', required: true,
            help: 'The directory of manifests inside the repository.' }))),
      sourceType.element,
      group('Sync Strategy', h('div', { class: 'radio-row' }, manual, auto), autoOptions),
      syncSettingsGroup('', { createNamespace: false }),
      propagationGroup(''),
      replaceGroup(''),
    ),
  ];

  const stepNames = ['Basic Information', 'Deployment Settings'];
  const stepper = h('ol', { class: 'stepper' },
    ...stepNames.map((label, i) => h('li', { 'aria-current': i === 0 ? 'step' : null },
      h('span', { class: 'step-number', 'aria-hidden': 'true' }, String(i + 1)), h('span', {}, label))));
  const previous = h('button', { type: 'button', class: 'button', hidden: true }, 'Previous');
  let step = 0;
  let controls;

  const show = (index, focus = true) => {
    step = index;
    steps.forEach((s, i) => { s.hidden = i !== index; });
    [...stepper.children].forEach((li, i) => {
      if (i === index) li.setAttribute('aria-current', 'step');
      else li.removeAttribute('aria-current');
      li.classList.toggle('done', i < index);
    });
    previous.hidden = index === 0;
    controls.submit.textContent = index === 0 ? 'Next' : 'Create';
    if (focus) steps[index].querySelector('input, select, textarea').focus();
  };

  for (const radio of [manual, auto].map((c) => c.querySelector('input'))) {
    radio.addEventListener('change', () => {
      autoOptions.hidden = radio.value === 'manual' ? radio.checked : !radio.checked;
    });
  }
  const autoRadio = auto.querySelector('input');
  autoRadio.setAttribute('aria-controls', autoOptions.id);

  const requireFields = (stepIndex) => {
    const invalid = [];
    for (const control of steps[stepIndex].querySelectorAll('[required]')) {
      if (!control.value.trim()) {
        setFieldError(control, 'Required.');
        invalid.push(control);
      }
    }
    if (stepIndex === 0 && name.value.trim() && !DNS_LABEL.test(name.value.trim())) {
      setFieldError(name, 'Use lowercase letters, digits and hyphens, starting and ending with a letter or digit.');
      invalid.push(name);
    }
    if (stepIndex === 1 && namespace.value.trim() && !DNS_LABEL.test(namespace.value.trim())) {
      setFieldError(namespace, 'A project name is a DNS label: lowercase letters, digits and hyphens.');
      invalid.push(namespace);
    }
    // The project's fences, before anything is sent (the API checks them again).
    if (fences && stepIndex === 0 && repoURL.value.trim() && !permitsSource(fences, repoURL.value)) {
      setFieldError(repoURL, `Project ${fences.name} does not allow this repository.`);
      invalid.push(repoURL);
    }
    const target = clusterNamed(cluster.value.trim());
    if (fences && stepIndex === 1 && target && DNS_LABEL.test(namespace.value.trim())
      && !permitsDestination(fences, target.name, target.server || '', namespace.value.trim())) {
      setFieldError(namespace, `Project ${fences.name} does not allow ${target.name}/${namespace.value.trim()}.`);
      invalid.push(namespace);
    }
    // The Source Type's lists: every bad line is marked beside its field.
    if (stepIndex === 1) invalid.push(...sourceType.read().invalid);
    return invalid;
  };

  const documentFromForm = () => {
    const root = controls.form;
    const automatedOn = radioValue(root, 'strategy') === 'auto';
    const spec = {
      source: { repoURL: repoURL.value.trim(), targetRevision: revision.value.trim(), path: path.value.trim() },
      destination: { cluster: cluster.value.trim(), namespace: namespace.value.trim() },
      syncPolicy: { syncOptions: readSyncOptions(root, '') },
    };
    // Created in the project the list is scoped to, or the one chosen (none: the default project).
    if (chosenProject()) spec.project = chosenProject();
    if (alias.value.trim()) spec.alias = alias.value.trim();
    if (description.value.trim()) spec.description = description.value.trim();
    if (provider.value) spec.source.provider = provider.value;
    // Auto-detect sends none of directory, kustomize and helm.
    Object.assign(spec.source, sourceType.read().options);
    if (automatedOn) spec.syncPolicy.automated = { prune: checked(root, 'prune'), selfHeal: checked(root, 'selfHeal') };
    return { apiVersion: 'ferry.dev/v1alpha1', kind: 'ContinuousDeployment', metadata: { name: name.value.trim() }, spec };
  };

  controls = openDialog({
    title: project ? `Create Continuous Deployment in ${project}` : 'Create Continuous Deployment',
    wide: true,
    content: [stepper, ...steps],
    submitLabel: 'Next',
    footer: previous,
    async onSubmit() {
      const invalid = requireFields(step);
      if (invalid.length) {
        invalid[0].focus();
        return false;
      }
      if (step === 0) {
        show(1);
        return false;
      }
      try {
        const created = await api.createCd(documentFromForm());
        announce(`Created continuous deployment ${created?.metadata?.name || name.value.trim()}.`, 'success');
        onCreated?.(name.value.trim());
        return true;
      } catch (error) {
        if (error.status === 409) {
          // The name is taken: say so beside it.
          show(0, false);
          setFieldError(name, error.message);
          name.focus();
          return false;
        }
        const marked = errorFromApi(controls, error);
        if (marked.length) {
          const stepOf = marked[0].closest('.step');
          show(steps.indexOf(stepOf), false);
          marked[0].focus();
        }
        return false;
      }
    },
  });
  controls.dialog.classList.add('create-dialog');
  previous.addEventListener('click', () => show(0));
  show(0);
  return controls;
}

// The fence text under a field's help, read with it.
function withFence(fieldElement, control, fence) {
  fieldElement.querySelector('.field-error').before(fence);
  control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby')} ${fence.id}`);
  return fieldElement;
}

// --- Edit Information ----------------------------------------------------------------------

export function editInformationDialog(cd, { onChanged }) {
  const alias = input({ name: 'alias', value: cd.alias || cd.spec?.alias || '' });
  const description = h('textarea', { name: 'description', rows: '3' });
  description.value = cd.description || cd.spec?.description || '';
  const name = cd.name || cd.metadata?.name;
  const controls = openDialog({
    title: `Edit Information: ${name}`,
    content: [
      field({ label: 'Alias', control: alias, name: 'alias', optional: true }),
      field({ label: 'Description', control: description, name: 'description', optional: true }),
    ],
    submitLabel: 'Save',
    async onSubmit() {
      try {
        await api.editInformation(name, { alias: alias.value.trim(), description: description.value.trim() });
      } catch (error) {
        errorFromApi(controls, error);
        return false;
      }
      announce(`Saved the information of ${name}.`, 'success');
      onChanged?.();
      return true;
    },
  });
  return controls;
}

// --- Edit YAML -----------------------------------------------------------------------------

export function codeEditor({ label, text, help }) {
  const id = uniqueId('yaml');
  const gutter = h('pre', { class: 'gutter', 'aria-hidden': 'true' });
  const area = h('textarea', { id, class: 'code', spellcheck: 'false', wrap: 'off', autocapitalize: 'none', autocomplete: 'off',
    'aria-describedby': `${id}-help`, 'aria-multiline': 'true' });
  area.value = text;
  const renumber = (mark) => {
    const lines = area.value.split('\n').length;
    gutter.replaceChildren(...Array.from({ length: lines }, (_, i) =>
      h('span', { class: i + 1 === mark ? 'marked' : null }, String(i + 1))));
    gutter.scrollTop = area.scrollTop;
  };
  area.addEventListener('input', () => renumber());
  area.addEventListener('scroll', () => { gutter.scrollTop = area.scrollTop; });
  renumber();
  const editor = h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('div', { class: 'code-editor' }, gutter, area),
    h('p', { class: 'help', id: `${id}-help` }, help));
  return {
    editor,
    area,
    markLine(line) {
      renumber(line);
      if (!line) return;
      const offset = area.value.split('\n').slice(0, line - 1).join('\n').length + (line > 1 ? 1 : 0);
      area.setSelectionRange(offset, offset);
      const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 20;
      area.scrollTop = Math.max(0, (line - 3) * lineHeight);
    },
  };
}

export function editYamlDialog(name, { onChanged }) {
  const loading = h('p', { class: 'muted' }, 'Loading the document…');
  const holder = h('div', {}, loading);
  let editor;
  const controls = openDialog({
    title: `Edit YAML: ${name}`,
    wide: true,
    content: holder,
    submitLabel: 'Save',
    async onSubmit() {
      if (!editor) return false;
      try {
        await api.replaceCdYaml(name, editor.area.value);
      } catch (error) {
        const line = /line (\d+)/i.exec(error.message);
        const messages = [error.message, ...error.fields?.map?.((f) => (f.field ? `${f.field}: ${f.message}` : f.message)) || []];
        controls.showError(messages);
        editor.markLine(line ? Number(line[1]) : 0);
        editor.area.setAttribute('aria-invalid', 'true');
        editor.area.focus();
        return false;
      }
      announce(`Saved the YAML of ${name}.`, 'success');
      onChanged?.();
      return true;
    },
  });
  controls.submit.disabled = true;
  api.getCdYaml(name).then(
    (text) => {
      editor = codeEditor({ label: 'Continuous deployment (YAML)', text,
        help: 'The whole document. status is ignored and kept; the name cannot change. Nothing changes until the API accepts it.' });
      holder.replaceChildren(editor.editor);
      controls.submit.disabled = false;
      editor.area.focus();
    },
    (error) => controls.showError(`Cannot load the YAML: ${error.message}`),
  );
  return controls;
}

// --- Sync --------------------------------------------------------------------------------

const PHASE_TONE = { Succeeded: 'green', Failed: 'red', Running: 'blue', Error: 'red' };

export function operationView(operation) {
  const resources = operation.resources || [];
  return h('div', { class: 'operation', 'data-phase': operation.phase || '' },
    h('p', { class: 'operation-summary' },
      h('span', { class: `badge tone-${PHASE_TONE[operation.phase] || 'grey'}` }, operation.phase || 'Unknown'),
      operation.revision ? h('span', { class: 'mono' }, ` at ${operation.revision.slice(0, 12)}`) : null),
    operation.message ? h('p', { class: 'operation-message' }, operation.message) : null,
    resources.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data-table compact' },
        h('caption', { class: 'visually-hidden' }, 'Result per resource'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Resource'), h('th', { scope: 'col' }, 'Action'),
          h('th', { scope: 'col' }, 'Result'), h('th', { scope: 'col' }, 'Message'))),
        h('tbody', {}, ...resources.map((r) => h('tr', {},
          h('td', { 'data-label': 'Resource' }, `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`),
          h('td', { 'data-label': 'Action' }, r.action || ''),
          h('td', { 'data-label': 'Result' }, r.result || ''),
          h('td', { 'data-label': 'Message' }, r.message || ''))))))
      : null);
}

export function syncDialog(name, { onChanged }) {
  const revision = input({ name: 'revision' });
  const settings = h('div', { class: 'sync-settings' }, h('p', { class: 'muted' }, 'Loading…'));
  const resourceList = h('div', { class: 'resource-choices' });
  const body = h('div', {},
    field({ label: 'Revision', control: revision, name: 'revision', optional: true,
      help: 'A branch, tag or commit SHA. Empty: the branch or tag the CD follows.' }),
    group('Options',
      choice({ name: 'sync-prune', label: 'Prune', help: 'Deletes resources that are no longer defined in Git.', field: 'prune' }),
      choice({ name: 'sync-dryRun', label: 'Dry run', help: 'Shows what would change; changes nothing.', field: 'dryRun' })),
    settings,
    resourceList);
  let resources = [];
  const controls = openDialog({
    title: `Sync: ${name}`,
    wide: true,
    content: body,
    submitLabel: 'Sync',
    async onSubmit() {
      const root = controls.form;
      const request = { prune: checked(root, 'sync-prune'), dryRun: checked(root, 'sync-dryRun') };
      // The settings appear once the CD is loaded; without them the CD's own apply.
      if (root.querySelector('input[name="sync-replace"]')) request.syncOptions = readSyncOptions(root, 'sync-');
      if (revision.value.trim()) request.revision = revision.value.trim();
      const picked = [...root.querySelectorAll('input[name="sync-resource"]')];
      if (picked.length && picked.some((c) => !c.checked)) {
        request.resources = picked.filter((c) => c.checked).map((c) => resources[Number(c.value)])
          .map(({ group: g, kind, namespace, name: n }) => ({ group: g || '', kind, namespace: namespace || '', name: n }));
        if (!request.resources.length) {
          controls.showError('Choose at least one resource, or all of them.');
          return false;
        }
      }
      let result;
      try {
        result = await api.sync(name, request);
      } catch (error) {
        errorFromApi(controls, error);
        return false;
      }
      onChanged?.();
      if (result.status === 202) {
        announce(`Sync of ${name} started; it continues in the background.`, 'success');
        return true;
      }
      const operation = result.data || {};
      announce(`Sync of ${name}${request.dryRun ? ' (dry run)' : ''}: ${operation.phase || 'done'}.`,
        operation.phase === 'Failed' ? 'error' : 'success');
      // Show the result in place of the form; the dialog's button now closes it.
      const heading = h('h3', { tabindex: '-1' }, request.dryRun ? 'Dry run result' : 'Sync result');
      controls.form.querySelector('.dialog-body').replaceChildren(heading, operationView(operation));
      controls.submit.hidden = true;
      controls.form.querySelector('[data-action="cancel"]').textContent = 'Close';
      heading.focus();
      return false;
    },
  });
  api.getCd(name).then(
    (cd) => {
      const spec = cd.spec || {};
      const options = spec.syncPolicy?.syncOptions || {};
      revision.placeholder = spec.source?.targetRevision || '';
      const prune = controls.form.querySelector('input[name="sync-prune"]');
      prune.checked = Boolean(spec.syncPolicy?.automated?.prune);
      settings.replaceChildren(
        syncSettingsGroup('sync-', options),
        propagationGroup('sync-', options.prunePropagationPolicy || 'foreground'),
        replaceGroup('sync-', options.replace));
    },
    (error) => controls.showError(`Cannot load ${name}: ${error.message}`),
  );
  api.resources(name).then((items) => {
    resources = items;
    if (!items.length) return;
    resourceList.replaceChildren(group('Resources',
      h('p', { class: 'help' }, 'All are synchronized unless you leave some out.'),
      h('div', { class: 'resource-grid' }, ...items.map((r, i) => choice({
        name: 'sync-resource', value: String(i), checked: true,
        label: `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`,
      })))));
  }, () => {});
  return controls;
}

// --- Delete ------------------------------------------------------------------------------

export function deleteDialog(name, { onDeleted }) {
  const confirmInput = input({ name: 'confirm-name', autocapitalize: 'none' });
  const cascade = choice({ name: 'cascade', label: 'Also delete the deployed resources',
    help: 'Deletes the resources this CD deployed, with its prune propagation policy.' });
  const detail = h('p', { class: 'help' });
  const controls = openDialog({
    title: `Delete ${name}?`,
    danger: true,
    submitLabel: 'Delete',
    content: [
      h('p', {}, 'The continuous deployment ', h('strong', {}, name), ' will be deleted. Without the option below, its resources stay in the cluster.'),
      cascade,
      detail,
      field({ label: `Type ${name} to confirm`, control: confirmInput, required: true }),
    ],
    async onSubmit() {
      if (confirmInput.value.trim() !== name) {
        setFieldError(confirmInput, `Type ${name} exactly.`);
        confirmInput.focus();
        return false;
      }
      const withResources = checked(controls.form, 'cascade');
      const result = await api.deleteCd(name, withResources);
      const count = result?.deleted?.length || 0;
      announce(withResources ? `Deleted ${name} and ${count} resource${count === 1 ? '' : 's'}.` : `Deleted ${name}; its resources stay.`, 'success');
      onDeleted?.();
      return true;
    },
  });
  controls.submit.disabled = true;
  confirmInput.addEventListener('input', () => {
    controls.submit.disabled = confirmInput.value.trim() !== name;
  });
  api.getCd(name).then((cd) => {
    const policy = cd.spec?.syncPolicy?.syncOptions?.prunePropagationPolicy || 'foreground';
    const count = cd.status?.resources?.length;
    detail.textContent = `${count === undefined ? 'Its' : `${count}`} resource${count === 1 ? '' : 's'}; prune propagation policy: ${policy}.`;
  }, () => {});
  return controls;
}

