// The ticket page's "Suggested articles" panel: "Insert link" puts the article's address
// into the composer at the cursor, and the usage counts refresh after a message is sent.
"use strict";

(() => {
  const panel = document.getElementById("kb-suggest");
  if (!panel) {
    return;
  }

  // Where the cursor was when the agent left the message for the panel.
  const body = () => document.getElementById("composer-body");

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    // Keep the address a word of its own, so that it stays a link in the sent message.
    const lead = before && !/\s$/.test(before) ? " " : "";
    const trail = after && !/^\s/.test(after) ? " " : "";
    textarea.setRangeText(`${lead}${text}${trail}`, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  panel.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("button.kb-insert");
    const textarea = body();
    if (!button || !textarea) {
      return;
    }
    insertAtCursor(textarea, button.dataset.kbUrl);
    textarea.focus();
    const status = document.getElementById("shortcut-status");
    if (status) {
      status.textContent = "Link inserted into the message.";
    }
  });

  panel.addEventListener("htmx:afterSwap", () => panel.removeAttribute("aria-busy"));

  // A sent message may have used an article: ask for the counts again. The answer has
  // arrived, so the message is committed; "beforeOnLoad" because the answer replaces the
  // composer, and a detached element's later events no longer reach the document.
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const detail = event.detail || {};
    const source = detail.elt;
    const status = detail.xhr ? detail.xhr.status : 0;
    if (!(source instanceof Element) || source.id !== "composer" || status < 200 || status > 299) {
      return;
    }
    const results = document.getElementById("kb-suggest-results");
    if (results && window.htmx) {
      window.htmx.trigger(results, "sustain:kb-refresh");
    }
  });
})();
