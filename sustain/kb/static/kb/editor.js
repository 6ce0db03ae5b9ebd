// The article editor: "Insert" puts a file's Markdown into the body at the cursor, and
// refusals (conflict, too large, wrong type) are swapped in beside the control that caused
// them instead of being dropped as htmx does with 4xx answers.
"use strict";

(() => {
  if (!document.querySelector(".kb-editor-page")) {
    return;
  }

  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "(403|409|413|422)", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  function insertAtCursor(textarea, text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const after = textarea.value.slice(end);
    // An image or link on its own line reads best in Markdown and in the rendered page.
    const lead = before && !before.endsWith("\n") ? "\n\n" : "";
    const tail = after.startsWith("\n") ? "" : "\n";
    textarea.value = before + lead + text + tail + after;
    const cursor = (before + lead + text + tail).length;
    textarea.setSelectionRange(cursor, cursor);
    textarea.focus();
    // The live preview listens for input.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-insert]") : null;
    const body = document.getElementById("id_body");
    if (!button || !(body instanceof HTMLTextAreaElement)) {
      return;
    }
    event.preventDefault();
    insertAtCursor(body, button.getAttribute("data-insert") || "");
  });
})();
