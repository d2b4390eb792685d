// Installed into the console page by tests/tests/console.rs: answers the console's requests as
// docs/API.md says the API does, from an in-memory store, and records each request. It stands in
// for the API only in the tests that check the page itself (rendering, focus, keyboard, narrow
// screens, request bodies); console_flows.rs runs the same page against the real API.
const role = arguments[0];
const now = Date.now();
const iso = (minutesAgo) => new Date(now - minutesAgo * 60000).toISOString().replace(/\.\d+Z$/, 'Z');
const doc = (name, alias, description, health, sync, minutesAgo, automated, extra = {}) => ({
  apiVersion: 'ferry.dev/v1alpha1', kind: 'ContinuousDeployment', metadata: { name },
  spec: {
    alias, description,
    source: { repoURL: `https://github.com/acme/${name}`, targetRevision: 'main', path: 'deploy' },
    destination: { cluster: 'in-cluster', namespace: name },
    syncPolicy: {
      ...(automated ? { automated: { prune: true, selfHeal: false } } : {}),
      syncOptions: { skipSchemaValidation: false, createNamespace: true, pruneLast: false, applyOutOfSyncOnly: false, prunePropagationPolicy: 'foreground', replace: false },
    },
  },
  status: {
    health, sync, revision: '3f2a9c1d4b5e6f708192a3b4c5d6e7f809a1b2c3',
    location: { cluster: 'in-cluster', namespace: name }, updatedAt: iso(minutesAgo),
    resources: [
      { group: 'apps', kind: 'Deployment', namespace: name, name, sync, health },
      { group: '', kind: 'ConfigMap', namespace: name, name: `${name}-config`, sync: 'Synced', health: null },
    ],
    history: [], ...extra,
  },
});
const store = new Map([
  ['guestbook', doc('guestbook', 'Guestbook', 'Demo application', 'Healthy', 'Synced', 3, true)],
  ['payments', doc('payments', 'Payments API', 'Card payments', 'Degraded', 'OutOfSync', 90, false)],
  ['batch', doc('batch', '', '', 'Progressing', 'Synced', 1, true, { operation: { phase: 'Running', startedAt: iso(1) } })],
  ['nightly', doc('nightly', 'Nightly jobs', '', 'Suspended', 'Synced', 600, false)],
  ['legacy', doc('legacy', '', 'Old monolith', 'Missing', 'OutOfSync', 3000, false)],
  ['edge', doc('edge', '', '', 'Unknown', 'Unknown', 20, true)],
]);
const requests = [];
window.__scriptedApi = { requests, store, token: 'scripted-token' };
const toYaml = (value, indent = '') => Object.entries(value).map(([k, v]) =>
  v && typeof v === 'object' && !Array.isArray(v) ? `${indent}${k}:\n${toYaml(v, `${indent}  `)}`
    : Array.isArray(v) ? `${indent}${k}: []\n` : `${indent}${k}: ${v === '' ? "''" : v}\n`).join('');
const reply = (status, body, type = 'application/json') => new Response(
  status === 304 || body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  { status, headers: { 'content-type': type } });
const summary = (d) => ({
  name: d.metadata.name, alias: d.spec.alias || '', description: d.spec.description || '',
  health: d.status.health, sync: d.status.sync, location: d.status.location, updatedAt: d.status.updatedAt,
  syncing: d.status.operation?.phase === 'Running', automated: !!d.spec.syncPolicy.automated,
});
window.fetch = async (input, init = {}) => {
  const url = new URL(input, location.href);
  const method = (init.method || 'GET').toUpperCase();
  const headers = init.headers || {};
  requests.push({ method, path: url.pathname + url.search, body: init.body ?? null, headers });
  if (headers.Authorization !== `Bearer ${window.__scriptedApi.token}`) return reply(401, { message: 'unknown or missing API token' });
  const parts = url.pathname.replace(/^\/api\/v1\//, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'whoami') return reply(200, { role });
  if (parts[0] === 'clusters') return reply(200, { items: [{ name: 'in-cluster', server: 'https://10.0.0.1:6443', hasCaData: true, createdAt: iso(600) }] });
  if (parts[0] !== 'cds') return reply(404, { message: `no such endpoint: ${url.pathname}` });
  if (parts.length === 1 && method === 'GET') {
    const q = (url.searchParams.get('q') || '').toLowerCase();
    const items = [...store.values()].map(summary).filter((s) =>
      (!url.searchParams.get('health') || s.health === url.searchParams.get('health'))
      && (!url.searchParams.get('sync') || s.sync === url.searchParams.get('sync'))
      && (!q || [s.name, s.alias, s.description].some((t) => t.toLowerCase().includes(q))));
    return reply(200, { items });
  }
  if (parts.length === 1 && method === 'POST') {
    const body = JSON.parse(init.body);
    if (body.spec.source.path.startsWith('/')) {
      return reply(422, { message: 'the document breaks 1 rule', fields: [{ field: 'spec.source.path', message: 'must be relative to the repository root' }] });
    }
    if (store.has(body.metadata.name)) return reply(409, { message: `continuous deployment ${body.metadata.name} already exists` });
    store.set(body.metadata.name, { ...body, status: { health: 'Missing', sync: 'OutOfSync', location: body.spec.destination, updatedAt: iso(0), resources: [], history: [] } });
    return reply(201, body);
  }
  const d = store.get(parts[1]);
  if (!d) return reply(404, { message: `no continuous deployment named ${parts[1]}` });
  if (parts.length === 2 && method === 'GET') {
    return headers.Accept === 'application/yaml' ? reply(200, toYaml({ apiVersion: d.apiVersion, kind: d.kind, metadata: d.metadata, spec: d.spec }), 'application/yaml') : reply(200, d);
  }
  if (parts.length === 2 && method === 'PATCH') {
    Object.assign(d.spec, JSON.parse(init.body));
    return reply(200, d);
  }
  if (parts.length === 2 && method === 'PUT') {
    const lines = init.body.split('\n');
    const bad = lines.findIndex((l) => /^\s*\w+: \[$/.test(l) || l.includes('\t'));
    if (bad >= 0) return reply(400, { message: `the body is not valid YAML: did not find expected node content at line ${bad + 1} column 1` });
    if (!/^kind: ContinuousDeployment$/m.test(init.body)) return reply(422, { message: 'invalid document', fields: [{ field: 'kind', message: 'must be ContinuousDeployment' }] });
    const description = /^ {2}description: (.*)$/m.exec(init.body);
    if (description) d.spec.description = description[1];
    return reply(200, d);
  }
  if (parts.length === 2 && method === 'DELETE') {
    store.delete(parts[1]);
    return reply(200, { deleted: url.searchParams.get('cascade') === 'true' ? d.status.resources : [] });
  }
  if (parts[2] === 'sync') {
    const body = JSON.parse(init.body);
    return reply(200, {
      phase: 'Succeeded', revision: d.status.revision, startedAt: iso(0), finishedAt: iso(0),
      message: body.dryRun ? 'dry run: 1 to apply, 1 to prune' : 'successfully synced',
      resources: [
        { group: 'apps', kind: 'Deployment', namespace: d.metadata.name, name: d.metadata.name, action: 'apply', result: 'Synced', message: 'configured' },
        { group: '', kind: 'ConfigMap', namespace: d.metadata.name, name: 'old', action: 'prune', result: body.prune ? 'Pruned' : 'Skipped', message: '' },
      ],
    });
  }
  if (parts[2] === 'resources') return reply(200, { items: d.status.resources });
  if (parts[2] === 'diff') {
    return reply(200, { items: d.status.sync === 'OutOfSync' ? [{ group: 'apps', kind: 'Deployment', namespace: d.metadata.name, name: d.metadata.name,
      diff: '--- live\n+++ git\n@@ -3,3 +3,3 @@\n spec:\n-  replicas: 1\n+  replicas: 3\n   selector:' }] : [] });
  }
  if (parts[2] === 'history') {
    return reply(200, { items: [{ id: 2, revision: d.status.revision, startedAt: iso(5), finishedAt: iso(4), phase: 'Succeeded', message: 'successfully synced', initiatedBy: 'webhook' },
      { id: 1, revision: '0123456789abcdef0123456789abcdef01234567', startedAt: iso(65), finishedAt: iso(64), phase: 'Failed', message: 'Deployment payments: the server is unavailable', initiatedBy: 'user' }] });
  }
  return reply(404, { message: `no such endpoint: ${url.pathname}` });
};
return true;
