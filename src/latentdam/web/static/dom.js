// Small DOM helpers and the page's feedback (toasts, the clipboard) that every view shares.

export const $ = (id) => document.getElementById(id);
// replaceChildren, skipping the absent (an `a ? node : null` child)
export const fill = (node, ...children) => node.replaceChildren(...children.flat().filter((c) => c != null));
export const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
};

export function fileName(path) {
  return path.split(/[\\/]/).pop();
}

export function showError(error) {
  toast(error.hint ? `${error.message} (${error.hint})` : error.message, true);
}

let toastTimer;
export function toast(message, isError = false) {
  const box = $("toast");
  (document.querySelector("dialog[open]") || document.body).append(box); // above a modal too
  box.textContent = message;
  box.classList.toggle("error", isError);
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), isError ? 8000 : 3000);
}

export async function copy(text, message) {
  try {
    await navigator.clipboard.writeText(text);
    toast(message);
  } catch {
    toast("The browser refused the clipboard");
  }
}
