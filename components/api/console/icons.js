// Inline SVG icons (24×24 viewBox, stroke = currentColor): no icon font, nothing fetched.

const icon = (body, extra = '') =>
  `<svg class="icon${extra}" viewBox="0 0 24 24" width="16" height="16" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">${body}</svg>`;

export const icons = {
  healthy: icon('<path d="M12 21s-7.5-4.6-9.3-9.2C1.5 8.6 3.4 5 6.8 5c2.1 0 3.6 1.2 5.2 3 1.6-1.8 3.1-3 5.2-3 3.4 0 5.3 3.6 4.1 6.8C19.5 16.4 12 21 12 21z" fill="currentColor" stroke="none"/>'),
  progressing: icon('<path d="M21 12a9 9 0 1 1-6.2-8.6"/><path d="M21 4v5h-5"/>', ' spin'),
  degraded: icon('<path d="M12 21s-7.5-4.6-9.3-9.2C1.5 8.6 3.4 5 6.8 5c2.1 0 3.6 1.2 5.2 3 1.6-1.8 3.1-3 5.2-3 3.4 0 5.3 3.6 4.1 6.8C19.5 16.4 12 21 12 21z"/><path d="M12 8l-2 4 3 2-2 4"/>'),
  suspended: icon('<circle cx="12" cy="12" r="9"/><path d="M10 9v6M14 9v6"/>'),
  missing: icon('<path d="M12 3 2 20h20L12 3z"/><path d="M12 10v4M12 17h.01"/>'),
  unknown: icon('<circle cx="12" cy="12" r="9"/><path d="M9.5 9.5a2.5 2.5 0 0 1 4.9.7c0 1.7-2.4 2.3-2.4 3.8M12 17h.01"/>'),
  synced: icon('<circle cx="12" cy="12" r="9"/><path d="m8 12 3 3 5-6"/>'),
  outOfSync: icon('<path d="M4 12a8 8 0 0 1 13.7-5.6L20 8"/><path d="M20 3v5h-5"/><path d="M20 12a8 8 0 0 1-13.7 5.6L4 16"/><path d="M4 21v-5h5"/>'),
  more: '<svg class="icon" viewBox="0 0 24 24" width="18" height="18" fill="currentColor"><circle cx="12" cy="5" r="2"/><circle cx="12" cy="12" r="2"/><circle cx="12" cy="19" r="2"/></svg>',
  plus: icon('<path d="M12 5v14M5 12h14"/>'),
  refresh: icon('<path d="M21 12a9 9 0 1 1-3-6.7L21 8"/><path d="M21 3v5h-5"/>'),
  search: icon('<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>'),
  edit: icon('<path d="M4 20h4L19 9l-4-4L4 16v4z"/>'),
  code: icon('<path d="m8 8-5 4 5 4M16 8l5 4-5 4"/>'),
  sync: icon('<path d="M21 12a9 9 0 1 1-3-6.7L21 8"/><path d="M21 3v5h-5"/>'),
  trash: icon('<path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3"/>'),
  back: icon('<path d="M15 6l-6 6 6 6"/>'),
  close: icon('<path d="M6 6l12 12M18 6 6 18"/>'),
  signOut: icon('<path d="M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10"/>'),
  ferry: '<svg class="logo" viewBox="0 0 32 32" width="28" height="28"><rect width="32" height="32" rx="7" fill="#1f6feb"/><path d="M6 19h20l-3 5H9l-3-5z" fill="#fff"/><path d="M10 17V9l7 8h-7z" fill="#bcd6ff"/><path d="M18 17V7l6 10h-6z" fill="#fff"/></svg>',
};
