// File requests on the drive page: make one (title, deadline, size limit, kinds), copy
// its link, see who handed in what, download everything as one ZIP, close it. Talks to
// /fm/sharing/requests with the session (sharingApi of sharing.js, helpers of drive.js).
"use strict";

const requestsPanel = { open: new Set() };

function requestFacts(request) {
  const state = { open: "Open", past_deadline: "Deadline passed", closed: "Closed" }[request.state];
  const until = `until ${new Date(request.deadline).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}`;
  const people = `${request.submission_count} ${request.submission_count === 1 ? "person" : "people"}`;
  return [state, until, people, plural(request.file_count, "file")].join(" · ");
}

async function refreshRequests() {
  const { requests } = await sharingApi("/fm/sharing/requests");
  $("request-list").replaceChildren(...requests.map(requestRow));
  $("requests-empty").hidden = requests.length > 0;
  for (const id of requestsPanel.open) {
    const row = document.querySelector(`.request-item[data-request-id="${id}"]`);
    if (row) await showSubmissions(row, id);
  }
}

function requestRow(request) {
  const item = el(
    "li", { className: `request-item ${request.state}`, dataset: { requestId: String(request.id) } },
    el("span", { className: "request-name", textContent: request.title }),
    el("span", { className: "request-facts", textContent: requestFacts(request) }),
  );
  const buttons = el("span", { className: "request-buttons" });
  if (request.state === "open") {
    const copy = el("button", { type: "button", textContent: "Copy link" });
    copy.addEventListener("click", () => copyText(request.url));
    buttons.append(copy);
  }
  const see = el("button", { type: "button", className: "request-see", textContent: "Submissions" });
  see.addEventListener("click", () => toggleSubmissions(item, request.id));
  buttons.append(see);
  if (request.file_count) {
    buttons.append(el("a", { href: `/fm/sharing/requests/${request.id}/zip`, textContent: "Download ZIP", download: "" }));
  }
  if (request.state === "open") {
    const close = el("button", { type: "button", className: "revoke", textContent: "Close" });
    close.addEventListener("click", () => closeRequest(request));
    buttons.append(close);
  }
  item.append(buttons, el("div", { className: "request-submissions", hidden: true }));
  return item;
}

async function toggleSubmissions(row, id) {
  if (requestsPanel.open.has(id)) {
    requestsPanel.open.delete(id);
    row.querySelector(".request-submissions").hidden = true;
    return;
  }
  requestsPanel.open.add(id);
  await showSubmissions(row, id);
}

async function showSubmissions(row, id) {
  const box = row.querySelector(".request-submissions");
  try {
    const { submissions } = await sharingApi(`/fm/sharing/requests/${id}/submissions`);
    box.replaceChildren(submissions.length ? el("ul", {}, ...submissions.map(submissionRow)) : el("p", { className: "empty", textContent: "Nothing handed in yet." }));
    box.hidden = false;
  } catch (e) {
    toast(e.message);
  }
}

function submissionRow(submission) {
  const files = submission.files.map((file) => el(
    "li", { className: "submission-file" },
    el("a", { href: file.download, textContent: file.name, download: file.name }),
    el("span", { className: "request-facts", textContent: ` ${formatSize(file.size)} · ${new Date(file.created_at).toLocaleString()}` }),
  ));
  return el("li", { className: "submission" }, el("strong", { textContent: submission.uploader }), el("ul", {}, ...files));
}

async function closeRequest(request) {
  try {
    await sharingApi(`/fm/sharing/requests/${request.id}/close`, { method: "POST" });
    toast(`${request.title} is closed: its link answers 404 from now on`);
    await refreshRequests();
  } catch (e) {
    toast(e.message);
  }
}

$("request-new").addEventListener("click", () => {
  const form = $("request-new-form");
  form.hidden = !form.hidden;
  $("request-new").setAttribute("aria-expanded", String(!form.hidden));
  if (!form.hidden) $("request-new-title").focus();
});

$("request-new-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("request-new-error").textContent = "";
  const deadline = $("request-new-deadline").value;
  const json = {
    title: $("request-new-title").value.trim(),
    deadline: deadline ? new Date(deadline).toISOString() : "",
    extensions: $("request-new-kinds").value.split(/[\s,]+/).filter(Boolean),
  };
  if ($("request-new-limit").value) json.size_limit = Math.round(Number($("request-new-limit").value) * 1048576);
  try {
    const made = await sharingApi("/fm/sharing/requests", { method: "POST", json });
    $("request-new-form").reset();
    $("request-new-form").hidden = true;
    await copyText(made.url);
    await refreshRequests();
  } catch (e) {
    $("request-new-error").textContent = e.message;
  }
});

// Handed-in files arrive as the owner's files: refresh with the file list.
document.addEventListener("drive:files", () => refreshRequests().catch((e) => toast(e.message)));
