// The agent's ticket page: shortcuts, the reply/note toggle, files dropped on the composer,
// refusals shown in place, and an early poll when the tab comes back into view.
"use strict";

(() => {
  const page = document.querySelector(".ticket-page");
  if (!page) {
    return;
  }
  const QUEUE_KEY = "sustain.queue";

  // Refusals (forbidden, conflict, too large, invalid) carry a fragment to show beside the
  // control; htmx would otherwise drop 4xx answers.
  if (window.htmx) {
    window.htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "(403|409|413|422)", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ];
  }

  function say(text) {
    const status = document.getElementById("shortcut-status");
    if (status) {
      status.textContent = text;
    }
  }

  function composer() {
    return document.getElementById("composer");
  }

  function setMode(form, mode) {
    form.classList.toggle("is-note", mode === "note");
    const radio = form.querySelector(`input[name='mode'][value='${mode}']`);
    if (radio) {
      radio.checked = true;
    }
    const help = form.querySelector("#composer-help");
    const send = form.querySelector("#composer-send");
    for (const element of [help, send]) {
      if (element) {
        element.textContent = element.dataset[mode];
      }
    }
  }

  function openComposer(mode) {
    const form = composer();
    if (!form) {
      return;
    }
    setMode(form, mode);
    const body = form.querySelector("textarea");
    body.focus();
    body.scrollIntoView({ block: "center" });
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLInputElement && target.name === "mode" && target.form) {
      setMode(target.form, target.value);
    }
    if (target instanceof HTMLInputElement && target.type === "file") {
      listFiles(target);
    }
    if (target instanceof HTMLSelectElement && target.id === "field-priority") {
      requireReason(target);
    }
  });

  // An override needs a reason: say so before the server does.
  function requireReason(select) {
    const reason = document.getElementById("field-priority-reason");
    if (reason) {
      reason.required = select.value !== "" && select.value !== select.dataset.auto;
    }
  }

  // --- files -------------------------------------------------------------------------------
  function listFiles(input) {
    const list = document.getElementById("composer-file-list");
    const form = input.form;
    if (!list || !form) {
      return;
    }
    const limit = Number(form.dataset.maxBytes || 0);
    list.replaceChildren();
    for (const file of input.files) {
      const item = document.createElement("li");
      const tooBig = limit && file.size > limit;
      item.textContent = `${file.name} (${Math.ceil(file.size / 1024)} KB)` +
        (tooBig ? " — too large, it will be refused" : "");
      if (tooBig) {
        item.className = "field-error";
      }
      list.append(item);
    }
  }

  function addDropped(form, files) {
    const input = form.querySelector("input[type='file']");
    if (!input || !files.length) {
      return;
    }
    const merged = new DataTransfer();
    for (const file of [...input.files, ...files]) {
      merged.items.add(file);
    }
    input.files = merged.files;
    listFiles(input);
  }

  document.addEventListener("dragover", (event) => {
    const form = event.target instanceof Element && event.target.closest("#composer");
    if (form && event.dataTransfer && [...event.dataTransfer.types].includes("Files")) {
      event.preventDefault();
      form.classList.add("dragover");
    }
  });
  document.addEventListener("dragleave", (event) => {
    const form = event.target instanceof Element && event.target.closest("#composer");
    if (form && !form.contains(event.relatedTarget)) {
      form.classList.remove("dragover");
    }
  });
  document.addEventListener("drop", (event) => {
    const form = event.target instanceof Element && event.target.closest("#composer");
    if (form && event.dataTransfer) {
      event.preventDefault();
      form.classList.remove("dragover");
      addDropped(form, [...event.dataTransfer.files]);
    }
  });

  // Out-of-band swaps redraw the side panel: keep the keyboard where it was.
  let focusedId = "";
  document.addEventListener("htmx:beforeRequest", () => {
    const active = document.activeElement;
    focusedId = active && active !== document.body ? active.id : "";
  });
  document.addEventListener("htmx:afterSettle", () => {
    const active = document.activeElement;
    if (focusedId && (!active || active === document.body || !active.isConnected)) {
      const again = document.getElementById(focusedId);
      if (again) {
        again.focus();
      }
    }
  });

  // A new request clears the refusal of the previous one.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = event.target instanceof Element && event.target.closest("form");
    const slot = form && form.querySelector(".error-slot, .composer-errors");
    if (slot) {
      slot.replaceChildren();
    }
  });

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element && event.target.closest("[data-dismiss='conflict']");
    if (button) {
      document.getElementById("ticket-conflict").replaceChildren();
    }
  });

  // --- polling -----------------------------------------------------------------------------
  function pollNow() {
    const poll = document.getElementById("ticket-poll");
    if (poll && poll.hasAttribute("hx-get") && window.htmx) {
      window.htmx.trigger(poll, "sustain:poll");
    }
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      pollNow();
    }
  });

  // --- shortcuts ---------------------------------------------------------------------------
  function queueRefs() {
    try {
      const refs = JSON.parse(sessionStorage.getItem(QUEUE_KEY) || "[]");
      return Array.isArray(refs) ? refs : [];
    } catch {
      return [];
    }
  }

  function step(offset) {
    const refs = queueRefs();
    const here = refs.indexOf(page.dataset.ref);
    const next = here === -1 ? undefined : refs[here + offset];
    if (!next) {
      say(offset > 0 ? "No next ticket in the queue you came from." : "No previous ticket in the queue you came from.");
      return;
    }
    const url = page.dataset.detailUrl.replace(/[^/]+$/, encodeURIComponent(next));
    window.location.assign(url);
  }

  function backToQueue() {
    const queue = page.dataset.queueUrl;
    let target = queue;
    try {
      const from = new URL(document.referrer);
      if (from.origin === window.location.origin && from.pathname === queue) {
        target = from.pathname + from.search;
      }
    } catch {
      // No referrer: the queue's default view.
    }
    window.location.assign(target);
  }

  const actions = {
    r: () => openComposer("reply"),
    n: () => openComposer("note"),
    a: () => {
      const button = document.querySelector("[data-shortcut='a']");
      if (button) {
        button.click();
      } else {
        say("The ticket is already yours, or you cannot change it.");
      }
    },
    j: () => step(1),
    k: () => step(-1),
    u: backToQueue,
  };

  document.addEventListener("keydown", (event) => {
    const inComposer = event.target instanceof HTMLTextAreaElement && event.target.id === "composer-body";
    if (inComposer && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (inComposer && event.key === "Escape") {
      event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || window.sustain.isTyping(event)) {
      return;
    }
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  });
})();
