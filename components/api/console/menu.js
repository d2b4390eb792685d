// The ⋮ menu of a CD (a menu button: arrow keys, Home/End, Escape, Tab, click outside).

import { h, svg, uniqueId } from './dom.js';
import { icons } from './icons.js';

let openMenu = null;

export const isMenuOpen = () => openMenu !== null;

function closeOpenMenu(focusButton) {
  if (!openMenu) return;
  const { button, list } = openMenu;
  list.hidden = true;
  button.setAttribute('aria-expanded', 'false');
  openMenu = null;
  if (focusButton) button.focus();
}

document.addEventListener('click', (event) => {
  if (openMenu && !openMenu.list.contains(event.target) && !openMenu.button.contains(event.target)) closeOpenMenu(false);
});
window.addEventListener('resize', () => closeOpenMenu(false));
window.addEventListener('scroll', () => closeOpenMenu(false), true);

// items: [{label, icon, danger, onSelect}]
export function actionMenu(label, items) {
  const id = uniqueId('menu');
  const button = h('button', {
    type: 'button', class: 'icon-button menu-button', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
    'aria-controls': id, 'aria-label': label,
  }, svg(icons.more));
  const entries = items.map((item) => h('button', {
    type: 'button', role: 'menuitem', tabindex: '-1', class: item.danger ? 'menu-item danger' : 'menu-item',
    dataset: { action: item.action },
  }, svg(item.icon), h('span', {}, item.label)));
  const list = h('div', { class: 'menu', role: 'menu', id, 'aria-label': label, hidden: true }, ...entries);
  document.body.append(list);

  const focusAt = (index) => entries[(index + entries.length) % entries.length].focus();
  const open = (index = 0) => {
    closeOpenMenu(false);
    const box = button.getBoundingClientRect();
    list.hidden = false;
    const width = list.offsetWidth;
    list.style.top = `${Math.min(box.bottom + 4, window.innerHeight - list.offsetHeight - 8)}px`;
    list.style.left = `${Math.max(8, Math.min(box.right - width, window.innerWidth - width - 8))}px`;
    button.setAttribute('aria-expanded', 'true');
    openMenu = { button, list };
    focusAt(index);
  };

  button.addEventListener('click', () => (openMenu?.button === button ? closeOpenMenu(true) : open(0)));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown') { event.preventDefault(); open(0); }
    if (event.key === 'ArrowUp') { event.preventDefault(); open(entries.length - 1); }
  });
  list.addEventListener('keydown', (event) => {
    const index = entries.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') { event.preventDefault(); focusAt(index + 1); }
    else if (event.key === 'ArrowUp') { event.preventDefault(); focusAt(index - 1); }
    else if (event.key === 'Home') { event.preventDefault(); focusAt(0); }
    else if (event.key === 'End') { event.preventDefault(); focusAt(entries.length - 1); }
    else if (event.key === 'Escape') { event.preventDefault(); closeOpenMenu(true); }
    else if (event.key === 'Tab') closeOpenMenu(true);
  });
  entries.forEach((entry, i) => entry.addEventListener('click', () => {
    closeOpenMenu(true);
    items[i].onSelect();
  }));
  // The list lives in <body>; remove it with its button.
  const observer = new MutationObserver(() => {
    if (!button.isConnected) {
      list.remove();
      observer.disconnect();
    }
  });
  observer.observe(document.getElementById('view'), { childList: true, subtree: true });
  return button;
}
