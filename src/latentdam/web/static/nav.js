// The page's whole state lives in the URL: `go` changes it and renders the view it names.
import { readState, stateUrl } from "./query.js";

export let state = readState();
export let droppedImage = null; // a File searched by example (not in the URL: it is not in the library)
let renderView = () => {};

/** The function that draws the view `state` names (app.js sets it). */
export function onRender(fn) {
  renderView = fn;
}

export function rerender() {
  renderView();
}

export function setDroppedImage(file) {
  droppedImage = file;
}

export function go(changes, { replace = false } = {}) {
  state = { ...state, ...changes };
  history[replace ? "replaceState" : "pushState"](null, "", stateUrl(state));
  renderView();
}

window.addEventListener("popstate", () => {
  state = readState();
  renderView();
});

/** A click handler that follows a link as a state change, without a page load. */
export function link(changes) {
  return (event) => {
    event.preventDefault();
    go(changes);
  };
}
