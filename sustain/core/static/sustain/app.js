// Shared behaviour of every page: "/" focuses the global search. Pages add their own
// shortcuts in their own files; this one stays small.
"use strict";

function isTyping(event) {
  const target = event.target;
  return target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) {
    return;
  }
  const search = document.querySelector("[data-shortcut='/']");
  if (search instanceof HTMLInputElement) {
    event.preventDefault();
    search.focus();
    search.select();
  }
});

window.sustain = { isTyping };
