// The review page of `digest review`: fetches the issue from this app's API, builds the page
// with textContent only (article and edit text is never read as markup), and sends each change
// with the version it was made against, so a stale change is refused (409) and shown here.
// Access: the address carries the token (printed in the terminal) or a one-time code (the
// browser's command line, readable by other users); a code is exchanged for a key at once. The
// key lives in this tab's sessionStorage, which no other origin, another port included, can
// read; no cookie is used, since a browser sends 127.0.0.1's cookies to every port.
"use strict";

const state = { issue: null, drafts: new Map(), busy: false, key: null };
const KEY = "digest-review-key";

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.key) headers.Authorization = `Bearer ${state.key}`;
  if (method !== "GET" && state.issue) headers["If-Match"] = `"${state.issue.version}"`;
  const response = await fetch(path, {
    method,
    headers,
    credentials: "omit",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch (ignored) { data = null; }
  if (!response.ok) {
    const failure = new Error((data && data.error) || `${response.status} ${response.statusText}`);
    failure.status = response.status;
    throw failure;
  }
  return data;
}

function showError(message, lineId) {
  const box = document.getElementById("error");
  box.textContent = message;
  box.hidden = !message;
  if (lineId) {
    const place = document.querySelector(`.line[data-id="${CSS.escape(lineId)}"] .line-error`);
    if (place) place.textContent = message;
  }
}

async function signIn() {
  const given = new URLSearchParams(window.location.search);
  const code = given.get("code");
  const token = given.get("token");
  if (code || token) window.history.replaceState(null, "", "/");
  if (token) sessionStorage.setItem(KEY, token);
  if (code) {
    try {
      const answer = await call("POST", "/api/session", { code });
      sessionStorage.setItem(KEY, answer.key);
    } catch (failure) {
      showError(failure.message);
      return false;
    }
  }
  state.key = sessionStorage.getItem(KEY);
  if (!state.key) {
    showError("no valid token: open the URL `digest review` printed");
    return false;
  }
  return true;
}

async function load() {
  try {
    state.issue = await call("GET", "/api/issue");
    render();
  } catch (failure) {
    showError(`Could not load the issue: ${failure.message}`);
  }
}

async function change(method, path, body, lineId, done) {
  if (state.busy) {
    showError("The last change is still being saved: try again in a moment.", lineId);
    return;
  }
  state.busy = true;
  showError("");
  try {
    state.issue = await call(method, path, body);
    if (done) done();
    render();
    setStatus("Saved: every format of the issue is rewritten.");
  } catch (failure) {
    if (failure.status === 409) {
      const message = `${failure.message} The page now shows the issue as it is; your unsaved text is still in its box.`;
      await load();
      showError(message, lineId);
    } else {
      showError(failure.message, lineId);
    }
  } finally {
    state.busy = false;
  }
}

function mailStatus(mail) {
  if (!mail) return "";
  if (mail.outcome) return `mail: ${mail.outcome}`;
  if (!mail.deadline) return "mail waits for your approval";
  if (Date.parse(mail.deadline) <= Date.now()) {
    // The next check applies the deadline whatever is approved now (README, Holding mail).
    return `the review deadline (${mail.deadline.slice(0, 16).replace("T", " ")} UTC) has passed: an approval now is not sent on its own; \`digest send --date ${state.issue.date}\` sends it`;
  }
  const then = mail.unapproved === "send" ? "sent as it is" : "skipped";
  return `mail waits for your approval until ${mail.deadline.slice(0, 16).replace("T", " ")} UTC, then is ${then}`;
}

let note = "";
function setStatus(extra) {
  note = extra || "";
  const issue = state.issue;
  const status = document.getElementById("status");
  const flags = `${issue.flags} flagged line${issue.flags === 1 ? "" : "s"} to check`;
  const approval = issue.approval
    ? `approved by ${issue.approval.by} at ${issue.approval.at}`
    : "not approved";
  status.textContent = [`${issue.date}`, flags, approval, mailStatus(issue.mail), `editor: ${issue.editor}`, note]
    .filter(Boolean).join(" · ");
  status.className = issue.approval ? "approved" : "";
}

function keyOf(node) {
  const holder = node && node.closest ? node.closest("[data-key]") : null;
  return holder ? holder.getAttribute("data-key") : null;
}

function render() {
  const issue = state.issue;
  const focused = keyOf(document.activeElement);
  const scrolled = window.scrollY;
  document.title = `Review · ${issue.title} · ${issue.date}`;
  document.getElementById("title").textContent = `Review: ${issue.title} · ${issue.date}`;
  setStatus(note);
  const main = document.getElementById("issue");
  main.replaceChildren();
  const count = issue.stories.length;
  issue.stories.forEach((story, index) => main.append(storyBlock(story, index, count)));
  if (issue.dropped.length) {
    main.append(el("p", { class: "dropped", text: `Dropped by the editor: ${issue.dropped.length} (kept in issue.json).` }));
  }
  main.setAttribute("aria-busy", "false");
  main.querySelectorAll("textarea").forEach(fit);
  window.scrollTo(0, scrolled);
  if (focused) {
    // A story moved to the top or bottom has that button disabled: the other one keeps the focus.
    const twin = focused.replace(/:(up|down)$/, (_, way) => (way === "up" ? ":down" : ":up"));
    const again = [focused, twin]
      .map((key) => document.querySelector(`[data-key="${CSS.escape(key)}"]`))
      .find((node) => node && !node.disabled);
    if (again) {
      again.focus({ preventScroll: true });
      again.scrollIntoView({ block: "nearest" });
    }
  }
}

function storyBlock(story, index, count) {
  const move = (by) => () => {
    const order = state.issue.stories.map((s) => s.id);
    const [moved] = order.splice(index, 1);
    order.splice(index + by, 0, moved);
    change("POST", "/api/stories/order", { order });
  };
  const drop = () => {
    const headline = story.headline.en || story.headline.ar;
    if (window.confirm(`Drop the story “${headline}” from the issue?`)) {
      change("DELETE", `/api/stories/${encodeURIComponent(story.id)}`);
    }
  };
  const bar = el("div", { class: "story-bar" },
    el("span", { class: "place", text: `Story ${index + 1} of ${count} · ${story.sources.map((s) => s.name).join(", ")}` }),
    el("button", { type: "button", "data-key": `${story.id}:up`, disabled: index === 0, onclick: move(-1) }, "Move up"),
    el("button", { type: "button", "data-key": `${story.id}:down`, disabled: index === count - 1, onclick: move(1) }, "Move down"),
    el("button", { type: "button", class: "danger", "data-key": `${story.id}:drop`, onclick: drop }, "Drop story"));
  const bullets = el("ul", { class: "bullets" });
  story.bullets.forEach((bullet, number) => {
    bullets.append(el("li", {}, lineBlock(bullet, `Bullet ${number + 1} of story ${index + 1}`, story.bullets.length > 1)));
  });
  return el("article", { class: "story", id: story.id }, bar, lineBlock(story.headline, `Headline of story ${index + 1}`, false), bullets);
}

function lineBlock(line, label, droppable) {
  const draft = state.drafts.has(line.id) ? state.drafts.get(line.id) : (line.en || "");
  const box = el("textarea", { "aria-label": `English of ${label.toLowerCase()}`, "data-key": `${line.id}:text`, rows: 2, lang: "en", dir: "auto" });
  box.value = draft;
  box.classList.toggle("dirty", draft !== (line.en || ""));
  box.addEventListener("input", () => {
    state.drafts.set(line.id, box.value);
    box.classList.toggle("dirty", box.value !== (line.en || ""));
    fit(box);
  });
  const save = () => change("PUT", `/api/lines/${encodeURIComponent(line.id)}`, { english: box.value }, line.id,
    () => state.drafts.delete(line.id));
  const block = el("div", {
    class: `line ${line.kind}${line.flag ? " flagged" : ""}`,
    "data-id": line.id,
    "data-key": `${line.id}:line`,
    tabindex: "-1",
    role: "group",
    "aria-label": label,
  });
  if (line.flag) {
    block.append(el("p", { class: "flag" }, el("strong", { text: "⚑ Check the translation: " }), el("span", { dir: "auto", text: line.flag })));
  }
  const source = line.edit && line.edit.memory ? "from the translation memory" : (line.edit && line.en !== line.machine ? "edited" : "machine");
  block.append(el("label", { class: "label", for: `text-${line.id}`, text: line.en === null ? "No English: the issue was built without translation." : `English (${source}):` }));
  box.id = `text-${line.id}`;
  box.readOnly = box.hidden = !state.issue.translated;
  block.append(box);
  block.append(el("p", { class: "ar", lang: "ar", dir: "rtl", text: line.ar }));
  if (line.edit && line.machine !== null && line.machine !== line.en) {
    block.append(el("p", { class: "machine" }, el("span", { class: "label", text: "Machine English: " }), el("span", { lang: "en", dir: "auto", text: line.machine })));
  }
  if (line.edit) {
    const what = line.edit.memory ? "From the translation memory" : (line.en === line.machine ? "Flag resolved" : "Edited");
    block.append(el("p", { class: "edited", text: `${what} by ${line.edit.by} at ${line.edit.at}${line.edit.flag ? ` (flag was: ${line.edit.flag})` : ""}` }));
  }
  const buttons = el("div", { class: "buttons" });
  if (state.issue.translated) {
    buttons.append(el("button", { type: "button", "data-key": `${line.id}:save`, onclick: save }, "Save"));
  }
  if (line.suggestion && state.issue.translated) {
    // A correction the memory holds but a build does not apply on its own (a short line, whose
    // English depends on its story): offered, filled in only when the editor asks, then saved as usual.
    block.insertBefore(el("p", { class: "suggestion" },
      el("span", { class: "label", text: `Suggested by the translation memory (${line.suggestion.by}, ${line.suggestion.at}): ` }),
      el("span", { lang: "en", dir: "auto", text: line.suggestion.en })), block.querySelector(".ar").nextSibling);
    buttons.append(el("button", {
      type: "button", "data-key": `${line.id}:suggest`,
      onclick: () => {
        box.value = line.suggestion.en;
        box.dispatchEvent(new Event("input"));
        box.focus();
      },
    }, "Use suggestion"));
  }
  if (line.flag) {
    buttons.append(el("button", { type: "button", "data-key": `${line.id}:resolve`, onclick: () => resolve(line.id) }, "Resolve flag"));
  }
  if (droppable) {
    buttons.append(el("button", {
      type: "button", class: "danger", "data-key": `${line.id}:drop`,
      onclick: () => {
        if (window.confirm("Drop this bullet from the story?")) change("DELETE", `/api/lines/${encodeURIComponent(line.id)}`, undefined, line.id);
      },
    }, "Drop bullet"));
  }
  block.append(buttons, el("p", { class: "line-error", role: "status" }));
  return block;
}

function fit(box) {
  box.style.height = "auto";
  box.style.height = `${box.scrollHeight + 2}px`;
}

function resolve(lineId) {
  change("POST", `/api/lines/${encodeURIComponent(lineId)}/resolve`, undefined, lineId);
}

function approve() {
  const issue = state.issue;
  const open = issue.flags ? ` ${issue.flags} flagged line${issue.flags === 1 ? " is" : "s are"} not resolved.` : "";
  if (window.confirm(`Approve the issue of ${issue.date} for sending?${open}`)) change("POST", "/api/approve");
}

function moveToFlag(step) {
  const flagged = [...document.querySelectorAll(".line.flagged")];
  if (!flagged.length) { setStatus("No flagged line left."); return; }
  const current = document.activeElement ? document.activeElement.closest(".line") : null;
  const lines = [...document.querySelectorAll(".line")];
  const at = current ? lines.indexOf(current) : -1;
  let target;
  if (step > 0) target = flagged.find((line) => lines.indexOf(line) > at) || flagged[0];
  else target = flagged.reverse().find((line) => at === -1 || lines.indexOf(line) < at) || flagged[0];
  target.focus();
  target.scrollIntoView({ block: "center" });
}

document.addEventListener("keydown", (event) => {
  if (!state.issue) return;
  const target = event.target;
  const typing = target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement;
  const line = target.closest ? target.closest(".line") : null;
  if (typing) {
    if ((event.ctrlKey || event.metaKey) && (event.key === "Enter" || event.key.toLowerCase() === "s")) {
      event.preventDefault();
      line.querySelector("button").click();
    } else if (event.key === "Escape") {
      event.preventDefault();
      line.focus();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "j" || event.key === "n") { event.preventDefault(); moveToFlag(1); }
  else if (event.key === "k" || event.key === "p") { event.preventDefault(); moveToFlag(-1); }
  else if ((event.key === "Enter" || event.key === "e") && line && target === line) {
    event.preventDefault();
    line.querySelector("textarea").focus();
  } else if (event.key === "r" && line && line.classList.contains("flagged")) {
    event.preventDefault();
    resolve(line.getAttribute("data-id"));
  } else if (event.key === "A") { event.preventDefault(); approve(); }
});

window.addEventListener("beforeunload", (event) => {
  const unsaved = [...document.querySelectorAll("textarea.dirty")].length;
  if (unsaved) event.preventDefault();
});

document.getElementById("approve").addEventListener("click", approve);
signIn().then((signed) => { if (signed) load(); });
