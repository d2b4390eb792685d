// A DevOps project's fences as the console reads them: which repositories and destinations the
// project allows. The same rules as ferry-core's `project` module (Argo CD's AppProject
// patterns), so the Create dialog offers only what the API will accept; the API still decides
// (its 422s land under the fields). tests/tests/console_projects.rs checks this file against the
// Rust matcher, case by case.

// `text` matches `pattern` as a whole: `*` any run of characters not crossing `separator` (when
// there is one), `**` any run crossing it, `?` one character other than the separator.
export function globMatch(pattern, text, separator = null) {
  const p = [...pattern];
  const t = [...text];
  let reach = new Array(t.length + 1).fill(false);
  reach[0] = true;
  let i = 0;
  while (i < p.length) {
    const next = new Array(t.length + 1).fill(false);
    if (p[i] === '*') {
      const double = i + 1 < p.length && p[i + 1] === '*';
      const crosses = double || separator === null;
      for (let j = 0; j <= t.length; j += 1) {
        if (!reach[j]) continue;
        next[j] = true;
        let k = j;
        while (k < t.length && (crosses || t[k] !== separator)) {
          k += 1;
          next[k] = true;
        }
      }
      i += double ? 2 : 1;
    } else {
      for (let j = 0; j < t.length; j += 1) {
        if (reach[j] && (p[i] === '?' ? t[j] !== separator : p[i] === t[j])) next[j + 1] = true;
      }
      i += 1;
    }
    reach = next;
  }
  return reach[t.length];
}

// Lowercased, without a trailing `/` or `.git`, as the API compares repository URLs.
export function normalizeRepoUrl(url) {
  const trimmed = url.trim().toLowerCase().replace(/\/+$/, '');
  return trimmed.endsWith('.git') ? trimmed.slice(0, -4) : trimmed;
}

const isPattern = (text) => /[*?]/.test(text);

// Whether the project lets a CD follow `repoURL`: some allowing pattern matches and no `!` one.
export function permitsSource(project, repoURL) {
  const url = normalizeRepoUrl(repoURL);
  let allowed = false;
  for (const pattern of project.sourceRepos || []) {
    if (pattern.startsWith('!')) {
      if (globMatch(normalizeRepoUrl(pattern.slice(1)), url, '/')) return false;
    } else if (pattern === '*' || globMatch(normalizeRepoUrl(pattern), url, '/')) {
      allowed = true;
    }
  }
  return allowed;
}

function part(pattern, value) {
  if (pattern === undefined || pattern === null) return null;
  return pattern.startsWith('!') ? { matches: globMatch(pattern.slice(1), value), negated: true }
    : { matches: globMatch(pattern, value), negated: false };
}

// Whether the project lets a CD deploy to cluster `cluster` (API server `server`), namespace
// `namespace`: an entry matches when its server or name matches and its namespace does; a
// matching entry with a `!` field denies.
export function permitsDestination(project, cluster, server, namespace) {
  let allowed = false;
  for (const entry of project.destinations || []) {
    const byServer = part(entry.server, server);
    const byName = part(entry.name, cluster);
    const ns = part(entry.namespace, namespace);
    const negated = ns.negated || Boolean(byServer?.negated) || Boolean(byName?.negated);
    const clusterMatches = Boolean(byServer?.matches) || Boolean(byName?.matches);
    if (clusterMatches && ns.matches) {
      if (negated) return false;
      allowed = true;
    }
  }
  return allowed;
}

// The registered clusters a CD of the project may deploy to (in some namespace): those an
// allowing entry names, by server or name.
export function allowedClusters(project, clusters) {
  return clusters.filter((c) => (project.destinations || []).some((entry) => {
    const negated = [entry.server, entry.name, entry.namespace].some((v) => v?.startsWith('!'));
    if (negated) return false;
    return Boolean(part(entry.server, c.server || '')?.matches) || Boolean(part(entry.name, c.name)?.matches);
  }));
}

// The namespaces to suggest for `cluster`: the allowing entries' namespaces that are plain names.
export function suggestedNamespaces(project, cluster) {
  const names = new Set();
  for (const entry of project.destinations || []) {
    const negated = [entry.server, entry.name, entry.namespace].some((v) => v?.startsWith('!'));
    const forCluster = Boolean(part(entry.server, cluster.server || '')?.matches) || Boolean(part(entry.name, cluster.name)?.matches);
    if (!negated && forCluster && !isPattern(entry.namespace)) names.add(entry.namespace);
  }
  return [...names];
}

// The repositories to suggest: the allowing patterns that are plain URLs.
export function suggestedRepos(project) {
  return (project.sourceRepos || []).filter((p) => !p.startsWith('!') && !isPattern(p));
}

// One destination entry as text: `prod/a-*`, `https://10.0.0.1:6443/a-*`, `!prod/a-secret`.
export function destinationText(entry) {
  const where = [entry.name, entry.server].filter((v) => v !== undefined && v !== null).join(' or ');
  return `${where}/${entry.namespace}`;
}

// The fences in words, for the help under a field.
export function sourceFenceText(project) {
  const repos = project.sourceRepos || [];
  return repos.length ? `Project ${project.name} allows: ${repos.join(', ')}` : `Project ${project.name} allows no repository.`;
}

export function destinationFenceText(project) {
  const entries = project.destinations || [];
  return entries.length ? `Project ${project.name} allows destinations ${entries.map(destinationText).join(', ')}`
    : `Project ${project.name} allows no destination.`;
}
