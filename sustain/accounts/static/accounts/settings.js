// Settings pages: confirm before destructive forms, copy the one-time token.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element && event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.dataset.copy);
    const result = document.getElementById("copy-result");
    if (!field) return;
    field.select();
    const done = function (text) { if (result) result.textContent = text; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () { done("Copied."); },
        function () { done("Press Ctrl+C (⌘C) to copy the selected token."); }
      );
    } else {
      done("Press Ctrl+C (⌘C) to copy the selected token.");
    }
  });

  document.addEventListener("focusin", function (event) {
    const field = event.target;
    if (field instanceof HTMLInputElement && field.hasAttribute("data-select-on-focus")) field.select();
  });
})();
