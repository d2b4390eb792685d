// Modal dialogs (native <dialog>: the page behind is inert, Escape closes) and labelled form
// fields whose errors are tied to the input with aria-describedby.

import { h, svg, uniqueId } from './dom.js';
import { icons } from './icons.js';

// A labelled field. `control` is an <input>, <select> or <textarea>; `name` is the document path
// the API names in 422 `fields[]` (e.g. "spec.source.path").
export function field({ label, control, help, name, required = false, optional = false }) {
  const id = control.id || uniqueId('field');
  control.id = id;
  if (name) control.dataset.field = name;
  if (required) {
    control.required = true;
    control.setAttribute('aria-required', 'true');
  }
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  control.setAttribute('aria-describedby', help ? `${helpId} ${errorId}` : errorId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null,
      optional ? h('span', { class: 'optional' }, ' (optional)') : null),
    control,
    help ? h('p', { class: 'help', id: helpId }, help) : null,
    h('p', { class: 'field-error', id: errorId, hidden: true }),
  );
}

// A checkbox or radio with its label and explanation.
export function choice({ type = 'checkbox', name, value, label, help, checked = false, field: path }) {
  const id = uniqueId(type);
  const helpId = `${id}-help`;
  const input = h('input', { type, id, name, value, checked, 'aria-describedby': help ? `${helpId} ${id}-error` : `${id}-error` });
  if (path) input.dataset.field = path;
  return h(
    'div',
    { class: 'choice' },
    input,
    h('label', { for: id }, h('span', { class: 'choice-label' }, label), help ? h('span', { class: 'help', id: helpId }, help) : null),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
}

// Mark `control` invalid with `message`. A field can have several errors (one per bad line, or
// several rules the API found broken): each shows on its own line, none twice.
export function setFieldError(control, message) {
  const error = document.getElementById(`${control.id}-error`);
  control.setAttribute('aria-invalid', 'true');
  if (!error) return;
  if (error.hidden) error.replaceChildren();
  const shown = [...error.children].map((line) => line.textContent);
  if (!shown.includes(message)) error.append(h('span', { class: 'error-line' }, message));
  error.hidden = false;
}

export function clearFieldErrors(root) {
  for (const control of root.querySelectorAll('[aria-invalid="true"]')) control.removeAttribute('aria-invalid');
  for (const error of root.querySelectorAll('.field-error')) {
    error.textContent = '';
    error.hidden = true;
  }
}

// Show each API validation error beside the control its `field` names; returns the messages no
// control claims, and the controls that got an error (first one first).
export function showFieldErrors(root, fields) {
  const unclaimed = [];
  const marked = [];
  for (const { field: path, message } of fields) {
    const control = findControl(root, path);
    if (control) {
      setFieldError(control, lineOf(control, path, message));
      if (!marked.includes(control)) marked.push(control);
    } else {
      unclaimed.push(path ? `${path}: ${message}` : message);
    }
  }
  return { unclaimed, marked };
}

// A list typed one entry per line (`control.sourceLines`: each entry's line): an error on entry
// `[i]` names its line.
function lineOf(control, path, message) {
  const index = /^([^[]*)\[(\d+)\]/.exec(path);
  const line = index && index[1].endsWith(control.dataset.field) && control.sourceLines?.[Number(index[2])];
  return line ? `Line ${line}: ${message}` : message;
}

function findControl(root, path) {
  if (!path) return null;
  const candidates = [...root.querySelectorAll('[data-field]')];
  const normalized = path.replace(/\[\d+\]/g, '');
  const exact = candidates.find((c) => c.dataset.field === normalized || `spec.${c.dataset.field}` === normalized);
  if (exact) return exact;
  // A field below a control's path (e.g. spec.source.repoURL.host) belongs to that control.
  return candidates
    .filter((c) => normalized.startsWith(`${c.dataset.field}.`))
    .sort((a, b) => b.dataset.field.length - a.dataset.field.length)[0] || null;
}

// Open a modal dialog. `onSubmit(dialogApi)` runs on the primary button or Enter; it returns
// true to close. An error it throws is shown in the dialog (the dialog stays open).
export function openDialog({ title, content, submitLabel = 'OK', cancelLabel = 'Cancel', danger = false, wide = false, onSubmit, footer }) {
  const opener = document.activeElement;
  const titleId = uniqueId('dialog-title');
  const alertBox = h('div', { class: 'dialog-alert', role: 'alert', tabindex: '-1', hidden: true });
  const submit = submitLabel
    ? h('button', { type: 'submit', class: danger ? 'button danger' : 'button primary' }, submitLabel)
    : null;
  const cancel = h('button', { type: 'button', class: 'button', 'data-action': 'cancel' }, cancelLabel);
  const close = h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Close dialog' }, svg(icons.close));
  const form = h(
    'form',
    { class: 'dialog-form', novalidate: true },
    h('header', { class: 'dialog-header' }, h('h2', { id: titleId }, title), close),
    h('div', { class: 'dialog-body' }, alertBox, content),
    h('footer', { class: 'dialog-footer' }, footer || null, h('div', { class: 'dialog-buttons' }, cancel, submit)),
  );
  const dialog = h('dialog', { class: wide ? 'dialog wide' : 'dialog', 'aria-labelledby': titleId }, form);
  document.body.append(dialog);

  const controls = {
    dialog,
    form,
    submit,
    showError(message) {
      alertBox.replaceChildren(...[].concat(message).map((m) => h('p', {}, m)));
      alertBox.hidden = false;
      alertBox.focus?.();
    },
    clearError() {
      alertBox.hidden = true;
      alertBox.replaceChildren();
      clearFieldErrors(form);
    },
    close() {
      dialog.close();
    },
  };

  dialog.addEventListener('close', () => {
    dialog.remove();
    returnFocus(opener);
  });
  cancel.addEventListener('click', () => dialog.close());
  close.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!onSubmit || (submit && submit.disabled)) return;
    controls.clearError();
    if (submit) submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      if (await onSubmit(controls)) dialog.close();
    } catch (error) {
      controls.showError(error.message || String(error));
    } finally {
      if (submit) submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });

  dialog.showModal();
  const first = form.querySelector('.dialog-body [autofocus], .dialog-body input:not([type=hidden]):not([disabled]), .dialog-body select, .dialog-body textarea, .dialog-body button');
  (first || cancel).focus();
  return controls;
}

// Back to the control that opened the dialog; when a refresh has replaced it (a list row's menu
// button), to its replacement with the same label; else to the view's heading.
function returnFocus(opener) {
  if (opener && opener.isConnected && typeof opener.focus === 'function') {
    opener.focus();
    return;
  }
  const label = opener?.getAttribute?.('aria-label');
  const twin = label && [...document.querySelectorAll('#view button[aria-label]')].find((b) => b.getAttribute('aria-label') === label);
  if (twin) twin.focus();
  else (document.querySelector('#view h1') || document.getElementById('main')).focus();
}
