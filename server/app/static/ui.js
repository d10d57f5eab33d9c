// Screens are built from elements, never from HTML strings: names and messages come from the server and the
// directory, and text nodes cannot run.

/** h('button', {class: 'primary', onclick}, 'Reset Password') */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

let current = null;

/**
 * Replaces the screen. `name` goes on <main data-screen> so tests and styles can tell screens apart, and focus
 * moves to the new heading so a screen reader announces it.
 */
export function show(name, ...children) {
  current?.leave?.();
  current = null;
  const main = document.getElementById('screen');
  main.dataset.screen = name;
  main.replaceChildren(...children.flat().filter(Boolean));
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
  window.scrollTo(0, 0);
  return {
    /** Runs when the next screen replaces this one: stop timers, cameras and polls. */
    onLeave(leave) {
      current = { leave };
    },
  };
}

export function setBrand(mspName) {
  const brand = document.getElementById('brand');
  brand.textContent = mspName || 'Latchkey';
  document.title = mspName ? `${mspName} · Latchkey` : 'Latchkey';
}

export const button = (label, onclick, kind = 'primary', extra = {}) =>
  h('button', { type: 'button', class: `button ${kind}`, onclick, ...extra }, label);

/** A button that cannot be pressed twice while its action runs, and says it is working. */
export function busyButton(label, action, kind = 'primary', extra = {}) {
  const element = button(label, undefined, kind, extra);
  element.addEventListener('click', async () => {
    if (element.disabled) return;
    element.disabled = true;
    element.setAttribute('aria-busy', 'true');
    try {
      await action();
    } finally {
      element.disabled = false;
      element.removeAttribute('aria-busy');
    }
  });
  return element;
}

export const notice = (text, kind = 'info') =>
  h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
