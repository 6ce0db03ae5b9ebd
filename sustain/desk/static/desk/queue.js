// The ticket list: keyboard moves (j/k, Enter/o, x, n/p, ?), selection count, select-all, and
// the list's order in sessionStorage ("sustain.queue") for the ticket page's "next ticket".
"use strict";

(() => {
  const STORAGE_KEY = "sustain.queue";
  const rows = () => Array.from(document.querySelectorAll("[data-queue-table] tbody tr[data-ref]"));
  const current = () => document.querySelector("[data-queue-table] tbody tr.is-current");

  function remember() {
    const refs = rows().map((row) => row.dataset.ref);
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(refs));
    } catch (error) {
      // Private modes may refuse storage; the list still works without "next ticket".
    }
  }

  function updateCount() {
    const counter = document.querySelector("[data-selected-count]");
    if (!counter) return;
    const checked = document.querySelectorAll("input[name='tickets']:checked").length;
    counter.textContent = checked ? `${checked} selected` : "None selected";
  }

  function setCurrent(row) {
    const before = current();
    if (before) {
      before.classList.remove("is-current");
      before.removeAttribute("aria-current");
    }
    if (!row) return;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
    const link = row.querySelector(".col-number a");
    if (link) link.focus({ preventScroll: true });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const index = all.indexOf(current());
    const next = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    setCurrent(all[next]);
  }

  function isTyping(event) {
    const target = event.target;
    // A checkbox or a link in the list must not swallow the list's own keys.
    if (target instanceof HTMLInputElement && target.type === "checkbox") return false;
    return window.sustain ? window.sustain.isTyping(event) : false;
  }

  function openHelp() {
    const dialog = document.getElementById("queue-help");
    if (dialog instanceof HTMLDialogElement && !dialog.open) dialog.showModal();
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    if (document.querySelector("dialog[open]")) return;
    const row = current();
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "o":
      case "Enter":
        if (!row) return;
        // Enter on a focused link or button already does its own thing.
        if (event.key === "Enter" && event.target instanceof Element &&
            event.target.closest("a, button, summary")) return;
        window.location.assign(row.dataset.href);
        break;
      case "x": {
        if (!row) return;
        const box = row.querySelector("input[name='tickets']");
        if (box instanceof HTMLInputElement) {
          box.checked = !box.checked;
          updateCount();
        }
        break;
      }
      case "n":
      case "p": {
        const link = document.querySelector(`[data-queue-page="${event.key === "n" ? "next" : "prev"}"]`);
        if (!(link instanceof HTMLElement)) return;
        link.click();
        break;
      }
      case "?":
        openHelp();
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-queue-help]")) openHelp();
    const row = target.closest("[data-queue-table] tbody tr[data-ref]");
    if (row instanceof HTMLTableRowElement) setCurrent(row);
  });

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (!(target instanceof HTMLInputElement)) return;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("input[name='tickets']").forEach((box) => {
        box.checked = target.checked;
      });
    }
    if (target.matches("[data-select-all], input[name='tickets']")) updateCount();
  });

  // Refusals (400/403/404/409/422) carry a message to show: let htmx swap them in.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const status = event.detail.xhr.status;
    if (status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A page link replaces itself with the new page: keep the keyboard and screen reader there.
  let pagedBy = null;
  const isResults = (element) => element instanceof Element && element.id === "queue-results";
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (!isResults(event.detail.target)) return;
    const source = event.detail.elt;
    pagedBy = source instanceof HTMLElement && source.dataset.queuePage ? source.dataset.queuePage : null;
  });

  function announcePage() {
    const status = document.getElementById("queue-page-status");
    const refs = rows().map((row) => row.dataset.ref);
    if (status && refs.length) {
      status.textContent = `${refs.length} tickets, ${refs[0]} to ${refs[refs.length - 1]}`;
    }
    // The same link again (to page on), else the first ticket of the page.
    const same = document.querySelector(`[data-queue-page="${pagedBy}"]`);
    const first = document.querySelector("[data-queue-table] tbody tr .col-number a");
    const target = same instanceof HTMLElement ? same : first;
    if (target instanceof HTMLElement) target.focus();
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    remember();
    updateCount();
    if (pagedBy && isResults(event.detail.target)) {
      announcePage();
      pagedBy = null;
    }
  });

  // Typed filters search as one types; their "change" on leaving the field would send the
  // same request again and could overtake a click on a column or a page link.
  document.querySelectorAll(".filter-typed").forEach((input) => {
    input.addEventListener("change", (event) => event.stopPropagation());
  });

  // On a phone the filter bar would push the list off the first screen: start it folded.
  const panel = document.querySelector("[data-filters-panel]");
  if (panel instanceof HTMLDetailsElement && window.matchMedia("(max-width: 48rem)").matches) {
    panel.open = false;
  }

  remember();
  updateCount();
})();
