// Building DOM nodes without innerHTML for data: every string from the API becomes a text node.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Inline SVG from the constant icon strings in icons.js (never from data).
export function svg(markup) {
  const template = document.createElement('template');
  template.innerHTML = markup.trim();
  const node = template.content.firstChild;
  node.setAttribute('aria-hidden', 'true');
  node.setAttribute('focusable', 'false');
  return node;
}

let counter = 0;
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

export function clear(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

// Polite announcements for screen readers, and a visible toast. Only the newest few stay (older
// ones would pile up over the page), each can be dismissed, and errors stay longer.
export const MAX_TOASTS = 3;

export function announce(message, kind = 'info') {
  const region = document.getElementById('toasts');
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss notification' }, '×');
  const toast = h('div', { class: `toast toast-${kind}` }, h('span', { class: 'toast-text' }, message), close);
  close.addEventListener('click', () => toast.remove());
  region.append(toast);
  while (region.children.length > MAX_TOASTS) region.firstElementChild.remove();
  setTimeout(() => toast.remove(), kind === 'error' ? 10000 : 5000);
}
