// The REST API of docs/API.md, as the console uses it. The token lives in sessionStorage only:
// it is gone when the browser session ends, and it never leaves this origin.

const TOKEN_KEY = 'ferry.apiToken';

export class ApiError extends Error {
  constructor(status, message, fields = []) {
    super(message);
    this.status = status;
    // [{field: "spec.source.path", message: "..."}] for 422 validation errors.
    this.fields = Array.isArray(fields) ? fields : [];
  }
}

export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  keep(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  forget() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

async function call(method, path, { json, yaml, accept = 'application/json', token } = {}) {
  const headers = { Accept: accept };
  const bearer = token ?? session.token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let body;
  if (yaml !== undefined) {
    headers['Content-Type'] = 'application/yaml';
    body = yaml;
  } else if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw new ApiError(0, `Cannot reach the Ferry API (${e.message}).`);
  }
  const text = await response.text();
  const type = response.headers.get('content-type') || '';
  let data = text;
  if (type.includes('json') && text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && typeof data === 'object' && data.message) || `${response.status} ${response.statusText}`.trim();
    throw new ApiError(response.status, message, data && typeof data === 'object' ? data.fields : []);
  }
  return { status: response.status, data };
}

const project = (name) => `/api/v1/projects/${encodeURIComponent(name)}`;
const cd = (name) => `/api/v1/cds/${encodeURIComponent(name)}`;

export const api = {
  whoami: (token) => call('GET', '/api/v1/whoami', { token }).then((r) => r.data),
  clusters: () => call('GET', '/api/v1/clusters').then((r) => r.data.items || []),
  projects: () => call('GET', '/api/v1/projects').then((r) => r.data.items || []),
  getProject: (name) => call('GET', project(name)).then((r) => r.data),
  createProject: (doc) => call('POST', '/api/v1/projects', { json: doc }).then((r) => r.data),
  replaceProject: (name, doc) => call('PUT', project(name), { json: doc }).then((r) => r.data),
  deleteProject: (name) => call('DELETE', project(name)).then((r) => r.data),
  tokens: (name) => call('GET', `${project(name)}/tokens`).then((r) => r.data.items || []),
  createToken: (name, request) => call('POST', `${project(name)}/tokens`, { json: request }).then((r) => r.data),
  revokeToken: (name, token) =>
    call('DELETE', `${project(name)}/tokens/${encodeURIComponent(token)}`).then((r) => r.data),
  listCds({ health, sync, q, project } = {}) {
    const params = new URLSearchParams();
    if (project) params.set('project', project);
    if (health) params.set('health', health);
    if (sync) params.set('sync', sync);
    if (q) params.set('q', q);
    const query = params.toString();
    return call('GET', `/api/v1/cds${query ? `?${query}` : ''}`).then((r) => r.data.items || []);
  },
  getCd: (name) => call('GET', cd(name)).then((r) => r.data),
  getCdYaml: (name) => call('GET', cd(name), { accept: 'application/yaml' }).then((r) => r.data),
  createCd: (document) => call('POST', '/api/v1/cds', { json: document }).then((r) => r.data),
  editInformation: (name, info) => call('PATCH', cd(name), { json: info }).then((r) => r.data),
  replaceCdYaml: (name, yaml) => call('PUT', cd(name), { yaml }).then((r) => r.data),
  deleteCd: (name, cascade) =>
    call('DELETE', `${cd(name)}?cascade=${cascade ? 'true' : 'false'}`).then((r) => r.data),
  sync: (name, request) => call('POST', `${cd(name)}/sync`, { json: request }),
  resources: (name) => call('GET', `${cd(name)}/resources`).then((r) => r.data.items || []),
  diff: (name) => call('GET', `${cd(name)}/diff`).then((r) => r.data.items || []),
  history: (name) => call('GET', `${cd(name)}/history`).then((r) => r.data.items || []),
};
