// Health and sync statuses as the seed names them, with their colour and icon; times as local
// time and "3 min ago".

import { h, svg } from './dom.js';
import { icons } from './icons.js';

export const HEALTH = {
  Healthy: { label: 'Healthy', tone: 'green', icon: icons.healthy, help: 'Resources are healthy.' },
  Progressing: { label: 'Progressing', tone: 'blue', icon: icons.progressing, help: 'Resources are still working and may soon be healthy.' },
  Degraded: { label: 'Degraded', tone: 'red', icon: icons.degraded, help: 'Resources are degraded.' },
  Suspended: { label: 'Suspended', tone: 'purple', icon: icons.suspended, help: 'Resources have been suspended and are waiting to be resumed.' },
  Missing: { label: 'Missing', tone: 'yellow', icon: icons.missing, help: 'Resources are missing.' },
  Unknown: { label: 'Unknown', tone: 'grey', icon: icons.unknown, help: 'The resource state is unknown.' },
};

export const SYNC = {
  Synced: { label: 'Synced', tone: 'green', icon: icons.synced, help: 'Resources have been synchronized.' },
  OutOfSync: { label: 'Out of sync', tone: 'orange', icon: icons.outOfSync, help: 'The actual running state of resources is not as desired.' },
  Unknown: { label: 'Unknown', tone: 'grey', icon: icons.unknown, help: 'The resource synchronization state is unknown.' },
};

function badge(kind, table, value) {
  const known = table[value] || table.Unknown;
  const shown = table[value] ? known.label : value ? `${value}` : known.label;
  return h(
    'span',
    { class: `badge tone-${known.tone}`, title: known.help, dataset: { [kind]: value || 'Unknown' } },
    svg(known.icon),
    h('span', { class: 'badge-label' }, shown),
  );
}

export const healthBadge = (value) => badge('health', HEALTH, value);
export const syncBadge = (value) => badge('sync', SYNC, value);

export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((now - then) / 1000);
  const future = seconds < 0;
  const s = Math.abs(seconds);
  let text;
  if (s < 45) return future ? 'in a few seconds' : 'just now';
  if (s < 90) text = '1 min';
  else if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 5400) text = '1 hour';
  else if (s < 86400) text = `${Math.round(s / 3600)} hours`;
  else if (s < 172800) text = '1 day';
  else text = `${Math.round(s / 86400)} days`;
  return future ? `in ${text}` : `${text} ago`;
}

const localFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit',
});

export function localTime(iso) {
  const then = Date.parse(iso);
  return Number.isNaN(then) ? '' : localFormat.format(new Date(then));
}

// <time> with the local time and, beneath, how long ago; refreshed by refreshTimes().
export function timeCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h(
    'time',
    { datetime: iso, title: iso, class: 'when' },
    h('span', { class: 'when-local' }, localTime(iso)),
    h('span', { class: 'when-relative' }, relativeTime(iso)),
  );
}

export function refreshTimes(root = document) {
  for (const time of root.querySelectorAll('time.when')) {
    const relative = time.querySelector('.when-relative');
    if (relative) relative.textContent = relativeTime(time.getAttribute('datetime'));
  }
}

export const shortSha = (revision) => (revision && /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 7) : revision || '');
