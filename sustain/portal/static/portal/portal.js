// The portal's small behaviours: drop files onto an upload field, list the chosen files,
// and move focus to the message that a form or an htmx update left behind.
(function () {
  "use strict";

  function listFiles(zone) {
    var input = zone.querySelector('input[type="file"]');
    var list = zone.querySelector("[data-file-list]");
    if (!input || !list) return;
    list.replaceChildren();
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
      list.appendChild(item);
    });
  }

  function addFiles(input, files) {
    // A drop adds to what was chosen before instead of replacing it.
    var all = new DataTransfer();
    Array.prototype.forEach.call(input.files, function (f) { all.items.add(f); });
    Array.prototype.forEach.call(files, function (f) { all.items.add(f); });
    input.files = all.files;
  }

  function setUp(root) {
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      if (zone.dataset.ready) return;
      zone.dataset.ready = "1";
      var input = zone.querySelector('input[type="file"]');
      if (!input) return;
      input.addEventListener("change", function () { listFiles(zone); });
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("dragging");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          addFiles(input, event.dataTransfer.files);
          listFiles(zone);
        }
      });
    });
    var target = root.querySelector("[data-focus-on-load]");
    if (target) target.focus();
  }

  // A slow upload invites a second click, and a second click a second request.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-once]") || form.hasAttribute("hx-post")) return;
    if (form.dataset.sent) {
      event.preventDefault();
      return;
    }
    form.dataset.sent = "1";
    form.querySelectorAll('button[type="submit"]').forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });

  // Coming back to the page from the browser's history: the form may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      delete form.dataset.sent;
      form.querySelectorAll('[aria-disabled="true"]').forEach(function (button) {
        button.removeAttribute("aria-disabled");
      });
    });
  });

  // htmx leaves the page as it was when an answer is an error or never comes: say so.
  function reportFailure(event) {
    var ticket = document.getElementById("ticket");
    if (!ticket || !ticket.contains(event.target)) return;
    var note = document.getElementById("request-failed") || document.createElement("p");
    note.id = "request-failed";
    note.className = "notice error";
    note.setAttribute("role", "alert");
    note.textContent = "That did not go through. Check your connection and try again, or reload the page.";
    ticket.prepend(note);
  }
  document.addEventListener("htmx:responseError", reportFailure);
  document.addEventListener("htmx:sendError", reportFailure);

  // Deflection: a customer who opened a suggested article and then left the new-request page
  // without sending it was, most likely, helped by the article; the knowledge base counts it.
  var openedArticle = null;
  var requestSent = false;
  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("#suggested-articles a[data-article-id]");
    if (link) openedArticle = Number(link.dataset.articleId);
  });
  document.addEventListener("submit", function (event) {
    if (event.target instanceof Element && event.target.querySelector("[data-suggestions]")) requestSent = true;
  });
  window.addEventListener("pagehide", function () {
    var form = document.querySelector("form [data-suggestions]");
    if (!openedArticle || requestSent || !form) return;
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var section = document.getElementById("suggested-articles");
    fetch("/api/v1/kb/deflections", {
      method: "POST",
      keepalive: true,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: JSON.stringify({ article_id: openedArticle, query: (section ? section.dataset.query || "" : "").slice(0, 500) }),
    });
    openedArticle = null;
  });

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function () { setUp(document); });
})();
