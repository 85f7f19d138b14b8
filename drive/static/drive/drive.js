// The drive page: talks to the JSON API (/core.*, /files.*), uploads through /tus/
// and follows upload progress over the WebSocket (/core.ws_connect). No build step,
// no framework (tus-js-client is vendored in vendor/).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { user: null, socket: null, uploads: new Map(), queue: Promise.resolve() };

class ApiError extends Error {
  constructor(status, message, data = {}) { super(message); this.status = status; this.data = data; }
}

async function api(path, { json, method = "GET" } = {}) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  }
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok || body.status !== "ok") throw new ApiError(response.status, body.message || response.statusText, body.data);
  return body.data;
}

function uuid4() {
  // crypto.randomUUID exists only in secure contexts; a plain-HTTP deployment still needs ids.
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function formatSize(bytes) {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

// The dialog on top (the confirmation opens over the share dialog); null when none is open.
function topDialog() {
  return $("confirm").open ? $("confirm") : document.querySelector("dialog[open]");
}

// Shown inside the open dialog, where there is one: the rest of the page is inert then
// (not drawn above, not read out). A popover, so that it is drawn in the top layer, above
// the dialog's contents; shown again for each message to stay above a dialog opened since.
function toast(text) {
  const el = $("toast");
  if (el.matches(":popover-open")) el.hidePopover();
  (topDialog() || document.body).append(el);
  el.textContent = text;
  el.showPopover();
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => el.hidePopover(), 4000);
}

function el(tag, { dataset = {}, ...props } = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children);
  return node;
}

// --- session -----------------------------------------------------------------

async function start() {
  try {
    state.user = await api("/core.current");
  } catch (e) {
    if (e.status === 401) return showLogin();
    throw e;
  }
  showDrive();
}

function showLogin() {
  state.user = null;
  if (state.socket) { state.socket.onclose = null; state.socket.close(); state.socket = null; }
  $("drive-view").hidden = true;
  $("account").hidden = true;
  $("login-view").hidden = false;
  $("username").focus();
}

function showDrive() {
  $("login-view").hidden = true;
  $("drive-view").hidden = false;
  $("account").hidden = false;
  $("who").textContent = state.user.username;
  showQuota(state.user);
  connect();
  refreshFiles();
}

function showQuota({ storage, used }) {
  const share = storage ? Math.min(used / storage, 1) : 1;
  $("quota-fill").style.width = `${(share * 100).toFixed(1)}%`;
  $("quota-fill").classList.toggle("full", share >= 0.95);
  $("quota-text").textContent = `${formatSize(used)} of ${formatSize(storage)}`;
}

async function refreshAccount() {
  state.user = await api("/core.current");
  showQuota(state.user);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    await api("/core.login", { method: "POST", json: { username: $("username").value, password: $("password").value } });
    $("password").value = "";
    await start();
  } catch (e) {
    $("login-error").textContent = e.message;
  }
});

$("logout").addEventListener("click", async () => {
  await api("/core.logout", { method: "POST", json: {} });
  showLogin();
});

// --- WebSocket ------------------------------------------------------------------

function connect() {
  if (state.socket) return;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/core.ws_connect`);
  state.socket = socket;
  socket.onmessage = (message) => onEvent(JSON.parse(message.data));
  socket.onclose = (event) => {
    state.socket = null;
    if (event.code === 4401) return showLogin();
    if (state.user) setTimeout(connect, 2000);
  };
}

function onEvent(event) {
  const upload = state.uploads.get(event.upload_id);
  if (event.kind === "UPLOAD_PROGRESS" && upload) {
    // The page knows the exact size; the event's total is the server's estimate.
    const total = upload.file.size || event.total_size;
    setProgress(upload, event.uploaded_size / total, `Stored ${formatSize(event.uploaded_size)} of ${formatSize(total)}`);
  } else if (event.kind === "UPLOAD_FINISH" && upload) {
    finish(upload);
  } else if (event.kind === "EXPORT_PROGRESS") {
    const failed = event.failed ? `, ${event.failed} failed` : "";
    showExportStatus(`Cloud export ${event.state}: ${event.done} of ${event.total} saved${failed}.`);
  }
}

// --- cloud export -------------------------------------------------------------------

function showExportStatus(text) {
  $("export-status").textContent = text;
  $("export-status").hidden = false;
}

// The form is left out of the page when no cloud is configured.
$("export-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  // Not an envelope API: the export answers {"redirect_to"} or DRF field errors.
  const response = await fetch("/cloud_export/drive", {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      // From the cookie, not the page: logging in rotates the token.
      "X-CSRFToken": (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1] || "",
    },
    body: JSON.stringify({ cloud_type: $("export-cloud").value }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.ok && body.redirect_to) {
    location.href = body.redirect_to;  // the cloud's consent page, then back here
  } else {
    toast(Object.values(body).flat().join(" ") || "The export could not start.");
  }
});

// The drive's download sends a browser here when the file is gone (opened in a new tab,
// or deleted between the page's check and the download): the page says so.
const missingFile = new URLSearchParams(location.search).get("missing");
if (missingFile) history.replaceState(null, "", location.pathname);

const exportResult = new URLSearchParams(location.search).get("export");
if (exportResult) {
  showExportStatus(exportResult === "queued"
    ? "Cloud export queued: progress shows here."
    : "Cloud export was not started (consent refused or the link expired).");
  history.replaceState(null, "", location.pathname);
}

// --- files ------------------------------------------------------------------------

// The file's permanent public address (/fm/download/): not a share link (/s/), which
// can expire, have a password or a limit, and be revoked.
function publicLink(name) {
  return `${location.origin}/fm/download/${encodeURIComponent(state.user.username)}/${encodeURIComponent(name)}`;
}

// The owner's own download, public file or private (not counted as one of its downloads).
function downloadLink(name) {
  return `/files.download?key=${encodeURIComponent(name)}`;
}

// Asks first (HEAD: the file and its bytes are there) and then downloads by a plain
// navigation, which the answer (an attachment) turns into a streamed download: the
// page stays, with its uploads. A file gone is said here, not as JSON or a failed download.
async function download(key, href) {
  const found = await fetch(href, { method: "HEAD", credentials: "same-origin", redirect: "manual" }).catch(() => null);
  if (found?.status === 401) return showLogin();
  if (found?.status === 404) {
    toast(fileError(new ApiError(404, ""), key));
    fileRowDrop(key);
    return refreshAccount();
  }
  location.assign(href);  // also when the check could not be made: the server's answer decides
}

function fileRowDrop(key) {
  [...document.querySelectorAll("#file-list .file")].find((row) => row.dataset.key === key)?.remove();
  $("empty").hidden = document.querySelector("#file-list .file") !== null;
}

async function refreshFiles() {
  const { items } = await api("/files.list");
  const list = $("file-list");
  list.replaceChildren(...items.map(fileRow));
  $("empty").hidden = items.length > 0;
  // sharing.js adds counts, the private switch and the share dialog to the rows.
  document.dispatchEvent(new CustomEvent("drive:files", { detail: { items } }));
  return items;
}

function fileRow(item) {
  const link = publicLink(item.key);
  const save = el("a", { href: downloadLink(item.key), textContent: "Download" });
  save.addEventListener("click", (event) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;  // a new tab or window: its page says it
    event.preventDefault();
    download(item.key, save.href);
  });
  const date = new Date(item.last_modified).toLocaleString();
  const copy = el("button", {
    type: "button", className: "copy-public", textContent: "Copy public link",
    title: "Its permanent address: anyone who has it downloads the file while it is public. Share makes links that can expire, have a password or a limit, and be revoked.",
  });
  copy.addEventListener("click", () => copyText(link, "Public link"));
  const remove = el("button", { type: "button", className: "delete", textContent: "Delete" });
  remove.setAttribute("aria-label", `Delete ${item.key}`);
  remove.addEventListener("click", () => confirmDelete(item.key));
  return el(
    "li", { className: "file", dataset: { key: item.key } },
    el("span", { className: "file-name", textContent: item.key }),
    el("span", { className: "file-meta", textContent: `${formatSize(item.size)} · ${date}` }),
    el("span", { className: "file-actions" }, save, copy, remove),
  );
}

// Copies and says so only when it worked. `what` names the kind of link ("Public link",
// "Share link", "Hand-in link"); `field`, when given, is the page's own field showing the
// text, selected for copying by hand when the browser refuses.
async function copyText(text, what, field) {
  let copied = false;
  if (window.isSecureContext && navigator.clipboard) {
    copied = await navigator.clipboard.writeText(text).then(() => true, () => false);
  }
  if (!copied) copied = copyBySelection(text, field);
  if (copied) {
    toast(`${what} copied`);
  } else {
    toast(`${what} not copied: your browser refused. ${field ? "It is selected: copy it by hand." : text}`);
    field?.focus();
    field?.select();
  }
  return copied;
}

// The Clipboard API needs a secure context (HTTPS or localhost). On plain HTTP a selected
// field is copied; outside an open modal dialog the page is inert, so the field goes
// inside it, and execCommand's answer tells whether anything was copied.
function copyBySelection(text, field) {
  const host = topDialog() || document.body;
  const area = field || host.appendChild(el("textarea", { value: text, readOnly: true, className: "copy-buffer" }));
  const back = document.activeElement;  // the Copy button: the keyboard user stays there
  area.focus();
  area.select();
  let copied = false;
  try { copied = document.execCommand("copy"); } catch { copied = false; }
  if (!field) area.remove();
  if (copied) back?.focus();
  return copied;
}

// The APIs answer a missing file with the contract's text ("x hasn't existed!"); the page
// says what happened: the list was out of date (deleted in another tab or over the API).
// The one place of that sentence: the drive's 404s name the file in data.key.
function fileError(error, name) {
  const missing = error.data?.key || name;
  return error.status === 404 ? `${missing} is no longer in your drive: it was deleted or renamed elsewhere.` : error.message;
}

// Asks before a permanent action; resolves true when confirmed.
function confirmAction({ text, name, button }) {
  const dialog = $("confirm");
  $("confirm-text").textContent = text;
  $("confirm-name").textContent = name;
  $("confirm-button").textContent = button;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => { dialog.onclose = () => resolve(dialog.returnValue === "confirm"); });
}

async function confirmDelete(key) {
  if (!await confirmAction({ text: "This cannot be undone.", name: `Delete ${key}?`, button: "Delete" })) return;
  try {
    await api("/files.delete", { method: "POST", json: { key } });
    toast(`${key} deleted`);
  } catch (e) {
    toast(fileError(e, key));
  }
  await Promise.all([refreshFiles(), refreshAccount()]);
}

// --- uploads ------------------------------------------------------------------------

const DONE = "Uploaded";  // one word whether the socket's event or tus's answer comes first

function setProgress(upload, share, text) {
  upload.bar.style.width = `${Math.min(share, 1) * 100}%`;
  upload.bar.parentElement.setAttribute("aria-valuenow", String(Math.round(Math.min(share, 1) * 100)));
  upload.status.textContent = text;
}

function rowButton(text, label, onClick) {
  const button = el("button", { type: "button", textContent: text });
  button.setAttribute("aria-label", label);
  button.addEventListener("click", onClick);
  return button;
}

// Which of a row's buttons show: Cancel while waiting or sending, Retry after a failure
// or a cancel, Replace once stored beside a file of its name, Dismiss (×) once it has ended.
function showControls(upload, phase) {
  upload.phase = phase;
  upload.cancel.hidden = phase !== "active";
  upload.retry.hidden = phase !== "failed";
  upload.replace.hidden = phase !== "done" || !upload.copy;
  upload.dismiss.hidden = phase === "active";
}

function addUpload(file) {
  const id = uuid4();
  const bar = el("div", { className: "progress-fill" });
  const status = el("span", { className: "upload-status", textContent: "Waiting" });
  const progress = el("div", { className: "progress" }, bar);
  progress.setAttribute("role", "progressbar");
  progress.setAttribute("aria-valuenow", "0");
  progress.setAttribute("aria-label", `${file.name} progress`);
  const upload = { id, file, bar, status };
  upload.cancel = rowButton("Cancel", `Cancel ${file.name}`, () => cancelUpload(upload));
  upload.retry = rowButton("Retry", `Retry ${file.name}`, () => queueUpload(upload));
  upload.replace = rowButton("Replace", `Replace ${file.name} with this upload`, () => replaceFile(upload));
  upload.dismiss = rowButton("\u00d7", `Dismiss ${file.name}`, () => dismissUpload(upload));
  upload.dismiss.className = "dismiss";
  upload.row = el(
    "li", { className: "upload", dataset: { uploadId: id, name: file.name } },
    el(
      "div", { className: "upload-head" },
      el("span", { className: "upload-name", textContent: file.name }),
      status,
      el("span", { className: "upload-buttons" }, upload.cancel, upload.retry, upload.replace, upload.dismiss),
    ),
    progress,
  );
  $("uploads").prepend(upload.row);
  state.uploads.set(id, upload);
  queueUpload(upload);
}

function queueUpload(upload) {
  upload.row.className = "upload";
  upload.copy = null;
  setProgress(upload, 0, "Waiting");
  showControls(upload, "active");
  // One upload at a time: each gets the whole connection and the quota answer of its turn.
  state.queue = state.queue.then(() => (upload.phase === "active" ? send(upload) : undefined));
}

function cancelUpload(upload) {
  showControls(upload, "failed");
  upload.row.classList.add("cancelled");
  upload.status.textContent = "Cancelled";
  // Ends the transfer and deletes what the server holds of it; the queue moves on.
  upload.transfer?.abort(true).catch(() => {});
  upload.transfer = null;
  upload.settle?.();
}

function dismissUpload(upload) {
  upload.row.remove();
  for (const [key, value] of state.uploads) if (value === upload) state.uploads.delete(key);
  $("file-input").focus();  // the row (and its button) is gone: focus goes back to the picker
}

// Each file goes through /tus/ (tus-js-client, vendored): PATCHes of a few MiB, so the bar
// moves steadily, and an upload cut off (connection lost, server restarted, page
// reloaded and the same file chosen again) goes on from the bytes the server has.
const TUS_CHUNK = 4 * 1024 * 1024;

function csrfToken() {
  return decodeURIComponent((document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1] || "");
}

function refusal(error) {
  const response = error.originalResponse;
  if (!response) return "Upload failed: the connection was lost.";
  try { return JSON.parse(response.getBody()).detail || `Upload failed (${response.getStatus()})`; }
  catch { return `Upload failed (${response.getStatus()})`; }
}

// The server keeps both files when the name is taken and gives the new one a suffix
// (lecture_F9AHjPo.bin): the name it was stored under, or null when it took its own.
function storedCopy(upload, before, after) {
  if (!before.has(upload.file.name)) return null;
  const dot = upload.file.name.lastIndexOf(".");
  const stem = dot > 0 ? upload.file.name.slice(0, dot) : upload.file.name;
  return after.find((item) => !before.has(item.key) && item.key.startsWith(`${stem}_`))?.key || null;
}

// The row says under which name it was stored, and offers Replace: the upload takes the
// old file's name (its links give the new content) and the old content goes.
function showStored(upload, copy) {
  upload.copy = copy;
  upload.status.textContent = copy ? `${DONE} as ${copy}: a file named ${upload.file.name} was already there` : DONE;
  upload.replace.title = copy ? `${copy} takes the name ${upload.file.name}; the old ${upload.file.name} is deleted` : "";
  showControls(upload, "done");
}

async function replaceFile(upload) {
  const key = upload.file.name;
  const sure = await confirmAction({
    name: `Replace ${key}?`,
    text: `This upload takes the name ${key}: its public link and share links give the new file from now on. The old ${key} is deleted; this cannot be undone.`,
    button: "Replace",
  });
  if (!sure) return;
  try {
    await api("/files.replace", { method: "POST", json: { key, replacement: upload.copy } });
    showStored(upload, null);
    upload.status.textContent = `Replaced ${key}: its links now give this upload`;
    toast(`${key} replaced`);
  } catch (e) {
    toast(fileError(e, key));
    if (e.status < 500) {  // refused for good: nothing to try again
      upload.copy = null;
      showControls(upload, "done");
    }
  }
  if (upload.replace.hidden) upload.dismiss.focus();  // the button has gone: the keyboard stays on the row
  await Promise.all([refreshFiles(), refreshAccount()]);
}

function send(upload) {
  return new Promise((resolve) => {
    const before = new Set([...document.querySelectorAll("#file-list .file")].map((row) => row.dataset.key));
    let settled = false;
    upload.settle = () => { if (!settled) { settled = true; resolve(); } };
    const done = (succeeded) => Promise.all([refreshFiles(), refreshAccount()])
      .then(([items]) => { if (succeeded) showStored(upload, storedCopy(upload, before, items)); })
      .finally(upload.settle);
    const transfer = new tus.Upload(upload.file, {
      endpoint: "/tus/",
      chunkSize: TUS_CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { filename: upload.file.name, filetype: upload.file.type },
      headers: { "X-CSRFToken": csrfToken() },
      removeFingerprintOnSuccess: true,
      // The server's events name the upload by its tus id.
      onUploadUrlAvailable: () => state.uploads.set(transfer.url.split("/").pop(), upload),
      onProgress: (sent, total) => {
        if (!upload.row.classList.contains("done")) upload.status.textContent = `Sending ${Math.round((sent / total) * 100)}%`;
      },
      onChunkComplete: (_, accepted, total) => setProgress(upload, accepted / total, `Stored ${formatSize(accepted)} of ${formatSize(total)}`),
      onSuccess: () => { finish(upload); done(true); },
      onError: (error) => { fail(upload, refusal(error)); done(false); },
    });
    upload.transfer = transfer;
    upload.status.textContent = "Sending";
    transfer.findPreviousUploads().then((previous) => {
      if (upload.transfer !== transfer) return;  // cancelled meanwhile
      if (previous.length) transfer.resumeFromPreviousUpload(previous[0]);
      transfer.start();
    });
  });
}

// Called by the socket's UPLOAD_FINISH and by tus's success, whichever comes first: the
// second must not undo what the row said since (under which name it was stored, Replace).
function finish(upload) {
  if (upload.row.classList.contains("done")) return;
  setProgress(upload, 1, DONE);
  upload.row.classList.add("done");
  showControls(upload, "done");
}

function fail(upload, message) {
  upload.row.classList.add("failed");
  upload.status.textContent = message;
  showControls(upload, "failed");
}

function addFiles(files) {
  for (const file of files) addUpload(file);
}

$("file-input").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });

const zone = $("dropzone");
["dragenter", "dragover"].forEach((name) => zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("over"); }));
["dragleave", "drop"].forEach((name) => zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.remove("over"); }));
zone.addEventListener("drop", (e) => addFiles(e.dataTransfer.files));
// A file dropped beside the zone must not make the browser leave the page.
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());

start()
  .then(() => { if (missingFile) toast(fileError(new ApiError(404, ""), missingFile)); })
  .catch((e) => toast(e.message));
