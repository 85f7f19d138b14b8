// The hand-in page (/r/<token>): each file goes through tus (the drive's vendored
// tus-js-client) at <page>/tus/, so a phone that loses its connection goes on from the
// bytes the server has. Files are checked here first, with the server's own texts
// (the form's data-text-*); each has its progress, Cancel and Retry, and the batch an
// overall bar. The name travels in X-Uploader-Name, which (with tus's own headers)
// also makes every call cross-site safe.
"use strict";

const form = document.getElementById("request-form");
const nameInput = document.getElementById("uploader-name");
const picker = document.getElementById("request-files");
const errorLine = document.getElementById("request-error");
const progressList = document.getElementById("request-progress");
const uploadsList = document.getElementById("request-uploads");
const overall = document.getElementById("request-overall");
const overallBar = document.getElementById("request-overall-bar");
const overallText = document.getElementById("request-overall-text");
const replacePicker = document.getElementById("request-replace");
const rules = form.dataset;
const CHUNK = 2 * 1024 * 1024;
const batch = new Map(); // row -> {sent, total}

function node(tag, className, text) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  return element;
}

// The server's one size rule (account.models.megabytes): bytes / 1048576 with three
// decimals, rounded half to even as Python's format does (65536 bytes: "0.062").
function sizeText(bytes) {
  const scaled = bytes * 1000, whole = Math.floor(scaled / 1048576), rest = scaled % 1048576;
  const up = rest > 524288 || (rest === 524288 && whole % 2 === 1);
  const thousandths = whole + (up ? 1 : 0);
  return `${Math.floor(thousandths / 1000)}.${String(thousandths % 1000).padStart(3, "0")} Megabytes`;
}

// --- the deadline in the viewer's own time, with the time left -------------------
function showDeadline() {
  const deadline = document.getElementById("request-deadline");
  const when = new Date(deadline.getAttribute("datetime"));
  deadline.textContent = when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  const minutes = Math.floor((when - Date.now()) / 60000);
  const left = minutes < 0 ? "closed" : minutes < 60 ? `${minutes} min` :
    minutes < 2880 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${Math.floor(minutes / 1440)} days`;
  document.getElementById("request-time-left").textContent = minutes < 0 ? " (closed)" : ` (${left} left)`;
}
showDeadline();
setInterval(showDeadline, 30000);
document.querySelectorAll("#request-uploads time").forEach((t) => { t.textContent = new Date(t.getAttribute("datetime")).toLocaleString(); });

// --- checks before a byte is sent: the texts the server would answer -------------
function handedInBytes() {
  return Array.from(uploadsList.querySelectorAll(".request-file")).reduce((sum, row) => sum + Number(row.dataset.size || 0), 0);
}

function refusalOf(file, earlier) {
  const kinds = rules.extensions.split(" ").filter(Boolean);
  const suffix = file.name.replace(/^\.+/, "").includes(".") ? file.name.split(".").pop().toLowerCase() : "";
  if (kinds.length && !kinds.includes(suffix)) return rules.textExtension;
  if (file.size === 0) return rules.textEmpty.replace("{name}", file.name);
  if (file.size > Number(rules.tierLimit)) return rules.textTierLimit;
  if (rules.sizeLimit && earlier + file.size > Number(rules.sizeLimit)) return rules.textSizeLimit;
  return "";
}

function detailOf(error) {
  const response = error && error.originalResponse;
  if (!response) return "The connection was lost.";
  try { return JSON.parse(response.getBody()).detail || `Refused (${response.getStatus()})`; }
  catch { return `Refused (${response.getStatus()})`; }
}

// --- progress ---------------------------------------------------------------------
function showOverall() {
  let sent = 0, total = 0;
  for (const part of batch.values()) { sent += part.sent; total += part.total; }
  overall.hidden = total === 0;
  overallBar.value = total ? sent / total : 0;
  overallText.textContent = total ? `${Math.floor((sent / total) * 100)}% of ${sizeText(total)}` : "";
}

function fileRow(file) {
  const item = node("li");
  const label = node("span", "request-progress-name", file.name);
  const bar = node("progress");
  bar.max = file.size || 1; bar.value = 0;
  bar.setAttribute("aria-label", file.name);
  const status = node("span", "request-progress-status", "Waiting");
  const actions = node("span", "request-progress-actions");
  item.append(label, bar, status, actions);
  progressList.append(item);
  return { item, bar, status, actions };
}

function button(text, onClick) {
  const element = node("button", "link-button", text);
  element.type = "button";
  element.addEventListener("click", onClick);
  return element;
}

// One file through tus; resolves once it is stored, refused, or cancelled.
function sendOne(file, uploader, onStored) {
  const row = fileRow(file);
  const part = { sent: 0, total: file.size };
  batch.set(row.item, part);
  return new Promise((resolve) => {
    const finish = (className, text) => {
      row.item.className = className;
      row.status.textContent = text;
      showOverall();
      resolve();
    };
    const transfer = new tus.Upload(file, {
      endpoint: `${location.pathname}/tus/`,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: { filename: file.name, filetype: file.type },
      headers: { "X-Uploader-Name": encodeURIComponent(uploader) },
      removeFingerprintOnSuccess: true,
      onProgress: (sent) => {
        part.sent = sent; row.bar.value = sent;
        row.status.textContent = `${Math.floor((sent / (file.size || 1)) * 100)}%`;
        showOverall();
      },
      onSuccess: async () => {
        part.sent = part.total; row.bar.value = row.bar.max;
        row.actions.replaceChildren();
        await listRefresh();
        if (onStored) await onStored();
        finish("done", "Uploaded");
      },
      onError: (error) => {
        row.actions.replaceChildren(button("Retry", () => { start(); }));
        finish("failed", detailOf(error));
      },
    });
    const start = () => {
      row.item.className = "";
      row.status.textContent = "Sending";
      row.actions.replaceChildren(button("Cancel", () => {
        transfer.abort(true).catch(() => {});
        part.sent = 0; row.bar.value = 0;
        row.actions.replaceChildren(button("Retry", () => { start(); }));
        finish("failed", "Cancelled");
      }));
      transfer.findPreviousUploads().then((previous) => {
        if (previous.length) transfer.resumeFromPreviousUpload(previous[0]);
        transfer.start();
      });
    };
    start();
  });
}

async function sendAll(files, uploader, onStored) {
  batch.clear();
  let earlier = handedInBytes();
  const sending = [];
  for (const file of files) {
    const refusal = refusalOf(file, earlier);
    if (refusal) {
      const row = fileRow(file);
      row.item.className = "failed";
      row.status.textContent = refusal;
      continue;
    }
    earlier += file.size;
    sending.push(sendOne(file, uploader, onStored));
  }
  await Promise.all(sending);
}

// --- this browser's hand-ins: receipts, remove and replace until the deadline ------
async function listRefresh() {
  const answer = await fetch(`${location.pathname}/files`, { credentials: "same-origin" });
  if (!answer.ok) return;
  const { files } = await answer.json();
  uploadsList.replaceChildren(...files.map((file) => {
    const item = node("li", "request-file");
    item.dataset.id = file.id; item.dataset.size = file.size; item.dataset.uploader = file.uploader;
    const when = new Date(file.created_at).toLocaleString();
    item.append(node("span", "request-file-name", file.name), " ",
      node("span", "request-file-meta", `${file.uploader} · ${sizeText(file.size)} · ${when}${file.late ? " · late" : ""}`));
    const actions = node("span", "request-file-actions");
    const receipt = node("a", "", "Receipt");
    receipt.href = file.receipt;
    actions.append(receipt, " ", button("Replace", () => replaceStart(item)), " ", button("Remove", () => remove(item)));
    item.append(" ", actions);
    return item;
  }));
  document.getElementById("request-empty").hidden = files.length > 0;
}

async function remove(item) {
  const answer = await fetch(`${location.pathname}/files/${item.dataset.id}`, { method: "DELETE", credentials: "same-origin" });
  if (answer.ok) { await listRefresh(); return; }
  errorLine.textContent = (await answer.json().catch(() => ({}))).detail || "Could not remove the file.";
}

let replacing = null;
function replaceStart(item) { replacing = item; replacePicker.click(); }
replacePicker.addEventListener("change", async () => {
  const item = replacing, file = replacePicker.files[0];
  replacePicker.value = "";
  if (!item || !file) return;
  // The new file first, then the old one goes: a failed replacement keeps the hand-in.
  await sendAll([file], item.dataset.uploader, () => remove(item));
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const uploader = nameInput.value.trim();
  errorLine.textContent = "";
  if (!uploader) { errorLine.textContent = "Give your name first."; nameInput.focus(); return; }
  if (!picker.files.length) { errorLine.textContent = "Choose one or more files."; return; }
  const files = Array.from(picker.files);
  picker.value = "";
  await sendAll(files, uploader);
});

listRefresh(); // the server's list, with this page's buttons
