// The Source Type of the Create dialog (Auto-detect, Directory, Kustomize, Helm) and its options,
// read into spec.source.directory / kustomize / helm as Argo CD writes them; and the same
// options as the detail page shows them.

import { h, uniqueId } from './dom.js';
import { choice, field, setFieldError } from './dialog.js';

export const SOURCE_TYPES = [
  ['', 'Auto-detect'],
  ['directory', 'Directory'],
  ['kustomize', 'Kustomize'],
  ['helm', 'Helm'],
];

const TYPE_HELP = {
  '': 'Detected from the path, as Argo CD does: a Helm chart when it holds Chart.yaml, a kustomization when it holds kustomization.yaml, else plain manifests.',
  directory: 'Plain manifests (YAML or JSON files).',
  kustomize: 'A kustomization, changed by the options below before it is built.',
  helm: 'A Helm chart, rendered with the options below.',
};

const text = (name, attributes = {}) =>
  h('input', { type: 'text', name, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', ...attributes });
const lines = (name, attributes = {}) =>
  h('textarea', { name, rows: '3', spellcheck: 'false', autocapitalize: 'none', wrap: 'off', ...attributes });

// The non-blank lines of a textarea with their 1-based line numbers.
function entries(control) {
  return control.value.split('\n')
    .map((line, i) => ({ line: i + 1, text: line.trim() }))
    .filter((e) => e.text);
}

const quoted = (s) => JSON.stringify(s);

// `key=value` lines; the key must not be empty. Returns [{line, key, value}] and the errors.
function pairs(control, what) {
  const found = [];
  const errors = [];
  for (const { line, text: t } of entries(control)) {
    const at = t.indexOf('=');
    if (at < 0) {
      errors.push(`Line ${line}: ${quoted(t)} is not ${what} (no "=").`);
      continue;
    }
    const key = t.slice(0, at).trim();
    const value = t.slice(at + 1).trim();
    if (!key) {
      errors.push(`Line ${line}: ${quoted(t)} has nothing before "=".`);
      continue;
    }
    found.push({ line, key, value });
  }
  return { found, errors };
}

// Kustomize's `name:tag@digest` split: the tag's colon is after the last slash (a registry port
// is not a tag).
function splitImage(image) {
  const at = image.indexOf('@');
  const rest = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? '' : image.slice(at + 1);
  const slash = rest.lastIndexOf('/') + 1;
  const colon = rest.slice(slash).lastIndexOf(':');
  if (colon < 0) return { name: rest, tag: '', digest };
  return { name: rest.slice(0, slash + colon), tag: rest.slice(slash + colon + 1), digest };
}

// `[name=]newName[:tag][@digest]`, as Argo CD's UI and CLI (and `kustomize edit set image`) write
// an image; the same rule as the API's (crates/kustomize `Edits::parse_image`).
export function imageProblem(t) {
  if (/\s/.test(t)) return 'must not contain spaces';
  const eq = t.indexOf('=');
  const old = eq < 0 ? null : t.slice(0, eq);
  const { name } = splitImage(eq < 0 ? t : t.slice(eq + 1));
  if (!name || old === '') return 'is not name=newName:newTag, name:newTag or name@digest';
  return null;
}

function fieldWithLines(control, label, name, help) {
  return field({ label, control, name, optional: true, help });
}

// The group in the Create dialog's Deployment Settings. `read()` returns the options to merge
// into spec.source, or marks the bad lines beside their fields and returns them as `invalid`.
export function sourceTypeGroup() {
  const select = h('select', { name: 'sourceType' }, ...SOURCE_TYPES.map(([v, label]) => h('option', { value: v }, label)));
  const typeHelp = h('p', { class: 'help', id: uniqueId('source-type-help') }, TYPE_HELP['']);

  // Directory
  const dInclude = text('directory-include', { placeholder: '*.yaml' });
  const dExclude = text('directory-exclude', { placeholder: '{config.json,secrets/*}' });
  const directory = h('div', { class: 'source-options', id: uniqueId('directory-options'), 'data-source': 'directory', hidden: true },
    choice({ name: 'directory-recurse', label: 'Recurse', help: 'Reads the manifests in subdirectories too.', field: 'spec.source.directory.recurse' }),
    h('div', { class: 'two-columns' },
      field({ label: 'Include', control: dInclude, name: 'spec.source.directory.include', optional: true,
        help: 'A glob a file must match to be read (a pattern without "/" matches the file name).' }),
      field({ label: 'Exclude', control: dExclude, name: 'spec.source.directory.exclude', optional: true,
        help: 'A glob of files to skip; exclude wins over include.' })));

  // Kustomize
  const k = {
    namePrefix: text('kustomize-namePrefix', { placeholder: 'prod-' }),
    nameSuffix: text('kustomize-nameSuffix', { placeholder: '-v2' }),
    namespace: text('kustomize-namespace', { maxlength: '63' }),
    images: lines('kustomize-images', { placeholder: 'nginx=registry.example.com/nginx:1.27' }),
    commonLabels: lines('kustomize-commonLabels', { placeholder: 'team=payments' }),
    commonAnnotations: lines('kustomize-commonAnnotations', { placeholder: 'owner=ops@example.com' }),
    replicas: lines('kustomize-replicas', { placeholder: 'web=3' }),
    components: lines('kustomize-components', { placeholder: '../components/monitoring' }),
  };
  const at = (f) => `spec.source.kustomize.${f}`;
  const kustomize = h('div', { class: 'source-options', id: uniqueId('kustomize-options'), 'data-source': 'kustomize', hidden: true },
    h('div', { class: 'two-columns' },
      field({ label: 'Name prefix', control: k.namePrefix, name: at('namePrefix'), optional: true }),
      field({ label: 'Name suffix', control: k.nameSuffix, name: at('nameSuffix'), optional: true })),
    field({ label: 'Namespace', control: k.namespace, name: at('namespace'), optional: true,
      help: 'Replaces the kustomization\'s namespace.' }),
    fieldWithLines(k.images, 'Images', at('images'),
      'One per line: name=newName:newTag, name:newTag or name@digest.'),
    h('div', { class: 'two-columns' },
      fieldWithLines(k.commonLabels, 'Common labels', at('commonLabels'), 'One key=value per line.'),
      fieldWithLines(k.commonAnnotations, 'Common annotations', at('commonAnnotations'), 'One key=value per line.')),
    h('div', { class: 'two-columns' },
      fieldWithLines(k.replicas, 'Replicas', at('replicas'), 'One name=count per line.'),
      fieldWithLines(k.components, 'Components', at('components'), 'One path per line, relative to the kustomization.')));

  // Helm
  const hf = {
    releaseName: text('helm-releaseName', { maxlength: '53' }),
    namespace: text('helm-namespace', { maxlength: '63' }),
    valueFiles: lines('helm-valueFiles', { placeholder: 'values-prod.yaml' }),
    values: h('textarea', { name: 'helm-values', rows: '4', spellcheck: 'false', autocapitalize: 'none', wrap: 'off', class: 'mono',
      placeholder: 'replicaCount: 2' }),
    parameters: lines('helm-parameters', { placeholder: 'image.tag=1.27' }),
    kubeVersion: text('helm-kubeVersion', { placeholder: '1.29.0' }),
    apiVersions: lines('helm-apiVersions', { placeholder: 'monitoring.coreos.com/v1' }),
  };
  const ht = (f) => `spec.source.helm.${f}`;
  const helm = h('div', { class: 'source-options', id: uniqueId('helm-options'), 'data-source': 'helm', hidden: true },
    h('div', { class: 'two-columns' },
      field({ label: 'Release name', control: hf.releaseName, name: ht('releaseName'), optional: true,
        help: 'Default: the CD\'s name.' }),
      field({ label: 'Namespace', control: hf.namespace, name: ht('namespace'), optional: true,
        help: 'The release\'s namespace. Default: the project.' })),
    fieldWithLines(hf.valueFiles, 'Value files', ht('valueFiles'), 'One per line, relative to the chart.'),
    choice({ name: 'helm-ignoreMissingValueFiles', label: 'Ignore missing value files',
      help: 'Leaves out a value file that is not in the repository instead of failing.', field: ht('ignoreMissingValueFiles') }),
    field({ label: 'Values', control: hf.values, name: ht('values'), optional: true,
      help: 'YAML, over the value files.' }),
    fieldWithLines(hf.parameters, 'Parameters', ht('parameters'), 'One name=value per line (helm --set), over all values.'),
    choice({ name: 'helm-forceString', label: 'Force string', help: 'Passes the parameters as strings (helm --set-string).' }),
    h('div', { class: 'radio-row' },
      choice({ name: 'helm-skipCrds', label: 'Skip CRDs', help: 'Leaves the chart\'s crds/ out.', field: ht('skipCrds') }),
      choice({ name: 'helm-skipTests', label: 'Skip tests', help: 'Leaves the chart\'s test hooks out.', field: ht('skipTests') })),
    h('div', { class: 'two-columns' },
      field({ label: 'Kube version', control: hf.kubeVersion, name: ht('kubeVersion'), optional: true,
        help: '.Capabilities.KubeVersion (default 1.20.0).' }),
      fieldWithLines(hf.apiVersions, 'API versions', ht('apiVersions'), 'One per line, added to .Capabilities.APIVersions.')));

  const panels = { directory, kustomize, helm };
  const typeField = field({ label: 'Source Type', control: select });
  // The field's own help paragraph is the type's explanation.
  select.setAttribute('aria-describedby', `${typeHelp.id} ${select.getAttribute('aria-describedby')}`);
  typeField.insertBefore(typeHelp, typeField.querySelector('.field-error'));
  const update = () => {
    for (const [type, panel] of Object.entries(panels)) panel.hidden = select.value !== type;
    typeHelp.textContent = TYPE_HELP[select.value];
  };
  select.addEventListener('change', update);

  const element = h('fieldset', { class: 'group source-type' }, h('legend', {}, 'Source'), typeField, directory, kustomize, helm);
  const checked = (name) => element.querySelector(`input[name="${name}"]`).checked;

  function read() {
    const invalid = [];
    const fail = (control, errors) => {
      if (!errors.length) return;
      for (const message of errors) setFieldError(control, message);
      invalid.push(control);
    };
    // Each list's API index → its line, so that an API error on `images[1]` names the line.
    const numbered = (control, list) => { control.sourceLines = list.map((e) => e.line); };
    const options = {};
    const type = select.value;
    if (type === 'directory') {
      const d = { recurse: checked('directory-recurse') };
      if (dInclude.value.trim()) d.include = dInclude.value.trim();
      if (dExclude.value.trim()) d.exclude = dExclude.value.trim();
      options.directory = d;
    } else if (type === 'kustomize') {
      const o = {};
      for (const key of ['namePrefix', 'nameSuffix', 'namespace']) if (k[key].value.trim()) o[key] = k[key].value.trim();
      const images = entries(k.images);
      fail(k.images, images.map(({ line, text: t }) => {
        const problem = imageProblem(t);
        return problem && `Line ${line}: ${quoted(t)} ${problem}.`;
      }).filter(Boolean));
      numbered(k.images, images);
      if (images.length) o.images = images.map((e) => e.text);
      for (const [key, what] of [['commonLabels', 'key=value'], ['commonAnnotations', 'key=value']]) {
        const { found, errors } = pairs(k[key], what);
        fail(k[key], errors);
        if (found.length) o[key] = Object.fromEntries(found.map((p) => [p.key, p.value]));
      }
      const replicas = pairs(k.replicas, 'name=count');
      const countErrors = replicas.found.filter((p) => !/^\d+$/.test(p.value))
        .map((p) => `Line ${p.line}: the count of ${quoted(p.key)} must be a whole number, not ${quoted(p.value)}.`);
      fail(k.replicas, [...replicas.errors, ...countErrors]);
      numbered(k.replicas, replicas.found);
      if (replicas.found.length) o.replicas = replicas.found.map((p) => ({ name: p.key, count: Number(p.value) }));
      const components = entries(k.components);
      numbered(k.components, components);
      if (components.length) o.components = components.map((e) => e.text);
      options.kustomize = o;
    } else if (type === 'helm') {
      const o = {};
      for (const key of ['releaseName', 'namespace', 'kubeVersion']) if (hf[key].value.trim()) o[key] = hf[key].value.trim();
      const files = entries(hf.valueFiles);
      numbered(hf.valueFiles, files);
      if (files.length) o.valueFiles = files.map((e) => e.text);
      if (checked('helm-ignoreMissingValueFiles')) o.ignoreMissingValueFiles = true;
      if (hf.values.value.trim()) o.values = hf.values.value;
      const parameters = pairs(hf.parameters, 'name=value');
      fail(hf.parameters, parameters.errors);
      numbered(hf.parameters, parameters.found);
      const forceString = checked('helm-forceString');
      if (parameters.found.length) {
        o.parameters = parameters.found.map((p) => ({ name: p.key, value: p.value, ...(forceString ? { forceString: true } : {}) }));
      }
      if (checked('helm-skipCrds')) o.skipCrds = true;
      if (checked('helm-skipTests')) o.skipTests = true;
      const apiVersions = entries(hf.apiVersions);
      numbered(hf.apiVersions, apiVersions);
      if (apiVersions.length) o.apiVersions = apiVersions.map((e) => e.text);
      options.helm = o;
    }
    return { options, invalid };
  }

  return { element, select, read };
}

// The source's type and options as the detail page lists them: [[term, value]].
export function sourceFacts(source = {}) {
  const facts = [];
  const add = (term, value) => {
    if (value === undefined || value === null || value === '' || value === false) return;
    if (Array.isArray(value) && !value.length) return;
    facts.push([term, value]);
  };
  const list = (items) => (Array.isArray(items) ? items.join(', ') : undefined);
  const map = (object) => (object && Object.keys(object).length
    ? Object.entries(object).map(([key, value]) => `${key}=${value}`).join(', ') : undefined);
  const image = (i) => (typeof i === 'string' ? i
    : `${i.name}${i.newName ? `=${i.newName}` : ''}${i.newTag ? `:${i.newTag}` : ''}${i.digest ? `@${i.digest}` : ''}`);
  if (source.helm) {
    const o = source.helm;
    add('Source Type', 'Helm');
    add('Release name', o.releaseName);
    add('Release namespace', o.namespace);
    add('Value files', list(o.valueFiles));
    add('Ignore missing value files', o.ignoreMissingValueFiles && 'yes');
    add('Values', o.values);
    add('Values object', o.valuesObject && JSON.stringify(o.valuesObject));
    add('Parameters', o.parameters?.length
      ? o.parameters.map((p) => `${p.name}=${p.value ?? ''}${p.forceString ? ' (string)' : ''}`).join(', ') : undefined);
    add('Skip CRDs', o.skipCrds && 'yes');
    add('Skip tests', o.skipTests && 'yes');
    add('Kube version', o.kubeVersion);
    add('API versions', list(o.apiVersions));
  } else if (source.kustomize) {
    const o = source.kustomize;
    add('Source Type', 'Kustomize');
    add('Name prefix', o.namePrefix);
    add('Name suffix', o.nameSuffix);
    add('Kustomize namespace', o.namespace);
    add('Images', o.images?.length ? o.images.map(image).join(', ') : undefined);
    add('Common labels', map(o.commonLabels));
    add('Common annotations', map(o.commonAnnotations));
    add('Replicas', o.replicas?.length ? o.replicas.map((r) => `${r.name}=${r.count}`).join(', ') : undefined);
    add('Patches', o.patches?.length ? `${o.patches.length}` : undefined);
    add('Components', list(o.components));
  } else if (source.directory) {
    const o = source.directory;
    add('Source Type', 'Directory');
    add('Recurse', o.recurse ? 'yes' : 'no');
    add('Include', o.include);
    add('Exclude', o.exclude);
  } else {
    add('Source Type', 'Auto-detect');
  }
  return facts;
}
