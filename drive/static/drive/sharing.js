// Sharing on the drive page: download counts, the private switch and the share dialog
// (links with a label, password, expiry and download limit; copy; revoke). Talks to
// /fm/sharing/ with the session and Django's CSRF token. Uses drive.js's helpers
// ($, el, toast, copyText, confirmAction, state) and decorates the rows it renders
// ("drive:files"). Files handed in to a file request are left out of the list: requests.js
// shows them under their request.
"use strict";

const sharing = { files: new Map(), open: null };

function csrfToken() {
  return (document.cookie.match(/(?:^|; )csrftoken=([^;]*)/) || [])[1] || "";
}

async function sharingApi(path, { json, method = "GET" } = {}) {
  const headers = { "X-CSRFToken": csrfToken() };
  const options = { method, credentials: "same-origin", headers };
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  }
  const response = await fetch(path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.detail || Object.values(body).flat().join(" ") || response.statusText;
    throw new ApiError(response.status, message);
  }
  return body;
}

function filePath(name) {
  return `/fm/sharing/files/${encodeURIComponent(name)}`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// --- the file list -----------------------------------------------------------------

document.addEventListener("drive:files", async () => {
  try {
    const { files } = await sharingApi("/fm/sharing/files");
    sharing.files = new Map(files.map((file) => [file.name, file]));
  } catch (e) {
    return toast(e.message);
  }
  for (const row of document.querySelectorAll("#file-list .file")) {
    const file = sharing.files.get(row.dataset.key);
    if (file?.file_request) row.remove();
    else if (file) decorateRow(row, file);
  }
  $("empty").hidden = document.querySelector("#file-list .file") !== null;
});

function decorateRow(row, file) {
  const meta = row.querySelector(".file-meta");
  meta.querySelector(".file-sharing")?.remove();
  const links = file.live_links ? ` · ${plural(file.live_links, "link")}` : "";
  meta.append(el("span", { className: "file-sharing", textContent: ` · ${plural(file.download_count, "download")}${links}` }));

  const actions = row.querySelector(".file-actions");
  actions.querySelectorAll(".sharing-action").forEach((node) => node.remove());
  const share = el("button", { type: "button", className: "sharing-action share", textContent: "Share" });
  share.setAttribute("aria-label", `Share ${file.name}`);
  share.addEventListener("click", () => openShare(file.name).catch((e) => {
    toast(fileError(e, file.name));
    refreshFiles();
  }));
  const input = el("input", { type: "checkbox", checked: file.private });
  input.setAttribute("role", "switch");
  input.addEventListener("change", () => setPrivate(file.name, input));
  const toggle = el("label", { className: "sharing-action private-switch", title: "Only its share links serve a private file" }, input, "Private");
  actions.prepend(share, toggle);
  showPrivacy(row, file);
}

function showPrivacy(row, file) {
  row.classList.toggle("private", file.private);
  // The public link answers 404 for a private file (the row's Download is the owner's own).
  const copy = row.querySelector(".copy-public");
  if (copy) copy.hidden = file.private;
}

async function setPrivate(name, input) {
  try {
    const file = await sharingApi(filePath(name), { method: "PATCH", json: { private: input.checked } });
    sharing.files.set(name, file);
    const row = [...document.querySelectorAll("#file-list .file")].find((r) => r.dataset.key === name);
    if (row) showPrivacy(row, file);
    toast(file.private ? `${name} is private: only its share links work` : `${name} is public again`);
  } catch (e) {
    input.checked = !input.checked;
    toast(fileError(e, name));
  }
}

// --- the share dialog ------------------------------------------------------------

async function openShare(name) {
  sharing.open = name;
  $("share-name").textContent = name;
  $("share-form").reset();
  $("share-error").textContent = "";
  $("share-hint").textContent = "Left empty: no password, the tier's expiry, no limit.";
  await showLinks();
  if (!$("share-dialog").open) $("share-dialog").showModal();
  $("share-label").focus();  // the first field of the form, not the dialog's ×
}

async function showLinks() {
  const { links } = await sharingApi(`${filePath(sharing.open)}/links`);
  $("share-links").replaceChildren(...links.map(linkRow));
  $("share-empty").hidden = links.length > 0;
}

function linkRow(link) {
  const facts = [
    link.state === "active" ? "Active" : { expired: "Expired", revoked: "Revoked", used_up: "Limit reached" }[link.state],
    link.download_limit ? `${link.download_count} of ${link.download_limit} downloads` : plural(link.download_count, "download"),
    link.expires_at ? `until ${new Date(link.expires_at).toLocaleDateString()}` : "no expiry",
  ];
  if (link.has_password) facts.push("password");
  const item = el(
    "li", { className: `share-link ${link.state}`, dataset: { linkId: String(link.id) } },
    el("span", { className: "share-label", textContent: link.label || "Link" }),
    el("span", { className: "share-facts", textContent: facts.join(" · ") }),
  );
  if (link.state === "active") {
    // The address itself, for copying by hand where the browser refuses the clipboard.
    const url = el("input", { type: "text", className: "share-url", value: link.url, readOnly: true });
    url.setAttribute("aria-label", `Address of ${link.label || "the link"}`);
    url.addEventListener("focus", () => url.select());
    const name = link.label || "link";
    const copy = el("button", { type: "button", textContent: "Copy" });
    copy.setAttribute("aria-label", `Copy ${name}`);
    copy.addEventListener("click", () => copyText(link.url, "Share link", url));
    const revoke = el("button", { type: "button", className: "revoke", textContent: "Revoke" });
    revoke.setAttribute("aria-label", `Revoke ${name}`);
    revoke.addEventListener("click", () => revokeLink(link));
    item.append(url, el("span", { className: "share-buttons" }, copy, revoke));
  }
  return item;
}

async function revokeLink(link) {
  const name = link.label ? `"${link.label}"` : "this link";
  const sure = await confirmAction({
    name: `Revoke ${name}?`,
    text: "Whoever has it gets \u201cnot found\u201d from now on. A revoked link cannot be turned back on; you can make a new one.",
    button: "Revoke",
  });
  if (!sure) return;
  try {
    await sharingApi(`/fm/sharing/links/${link.id}`, { method: "DELETE" });
    toast("Link revoked: it answers \u201cnot found\u201d from now on");
    await Promise.all([showLinks(), refreshFiles()]);
  } catch (e) {
    toast(e.message);
  }
}

function expiryFromDate(value) {
  // The end of the chosen day, where the teacher is.
  return value ? new Date(`${value}T23:59:59`).toISOString() : undefined;
}

$("share-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("share-error").textContent = "";
  const json = { label: $("share-label").value.trim(), password: $("share-password").value };
  const expires = expiryFromDate($("share-expires").value);
  if (expires) json.expires_at = expires;
  if ($("share-limit").value) json.download_limit = Number($("share-limit").value);
  try {
    const link = await sharingApi(`${filePath(sharing.open)}/links`, { method: "POST", json });
    $("share-form").reset();
    await Promise.all([showLinks(), refreshFiles()]);
    // The new link on screen (on a phone the dialog scrolls), its address selected.
    const row = document.querySelector(`.share-link[data-link-id="${link.id}"]`);
    const url = row.querySelector(".share-url");
    row.scrollIntoView({ block: "nearest" });
    await copyText(link.url, "Share link", url);
    url.focus();  // the keyboard goes on from the new link: its Copy and Revoke come next
  } catch (e) {
    $("share-error").textContent = e.message;
  }
});

$("share-close").addEventListener("click", () => $("share-dialog").close());
