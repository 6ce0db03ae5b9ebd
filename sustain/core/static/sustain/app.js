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

// The main navigation's groups: one open at a time, closed by a click elsewhere or Escape.
const navGroups = () => Array.from(document.querySelectorAll("details[data-nav-group]"));
document.addEventListener("toggle", (event) => {
  const opened = event.target;
  if (opened instanceof HTMLDetailsElement && opened.open && opened.dataset.navGroup !== undefined) {
    navGroups().filter((group) => group !== opened).forEach((group) => { group.open = false; });
  }
}, true);
document.addEventListener("click", (event) => {
  navGroups()
    .filter((group) => group.open && !group.contains(event.target))
    .forEach((group) => { group.open = false; });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") {
    return;
  }
  navGroups().filter((group) => group.open).forEach((group) => {
    group.open = false;
    group.querySelector("summary")?.focus();
  });
});

window.sustain = { isTyping };
