// File requests on the drive page: make one (title, deadline, size limit, kinds), copy
// its link, see who handed in what (by uploader, late ones marked), download everything as
// one ZIP, close it (after asking). Handed-in files are shown here, not in My files. Talks to
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
    const copy = el("button", { type: "button", textContent: "Copy hand-in link" });
    copy.setAttribute("aria-label", `Copy hand-in link of ${request.title}`);
    copy.addEventListener("click", () => copyText(request.url, "Hand-in link"));
    buttons.append(copy);
  }
  const see = el("button", { type: "button", className: "request-see", textContent: "Submissions" });
  see.setAttribute("aria-expanded", String(requestsPanel.open.has(request.id)));
  see.setAttribute("aria-label", `Submissions to ${request.title}`);
  see.addEventListener("click", () => toggleSubmissions(item, request.id));
  buttons.append(see);
  if (request.file_count) {
    const zip = el("a", { href: `/fm/sharing/requests/${request.id}/zip`, textContent: "Download ZIP", download: "" });
    zip.setAttribute("aria-label", `Download ZIP of ${request.title}`);
    buttons.append(zip);
  }
  if (request.state === "open") {
    // Set apart from the other buttons: closing is for good.
    const close = el("button", { type: "button", className: "revoke request-close", textContent: "Close request" });
    close.setAttribute("aria-label", `Close request ${request.title}`);
    close.addEventListener("click", () => closeRequest(request));
    buttons.append(close);
  }
  item.append(buttons, el("div", { className: "request-submissions", hidden: true }));
  return item;
}

async function toggleSubmissions(row, id) {
  const see = row.querySelector(".request-see");
  if (requestsPanel.open.has(id)) {
    requestsPanel.open.delete(id);
    row.querySelector(".request-submissions").hidden = true;
    see.setAttribute("aria-expanded", "false");
    return;
  }
  requestsPanel.open.add(id);
  see.setAttribute("aria-expanded", "true");
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
    "li", { className: file.late ? "submission-file late" : "submission-file" },
    el("a", { href: file.download, textContent: file.name, download: file.name }),
    file.late ? el("span", { className: "late-mark", textContent: "late" }) : "",
    el("span", { className: "request-facts", textContent: `${formatSize(file.size)} · ${new Date(file.created_at).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}` }),
  ));
  const late = submission.files.filter((file) => file.late).length;
  const facts = `${plural(submission.files.length, "file")}${late ? `, ${late} late` : ""}`;
  return el(
    "li", { className: "submission" },
    el("span", { className: "submission-head" }, el("strong", { textContent: submission.uploader }), el("span", { className: "request-facts", textContent: ` · ${facts}` })),
    el("ul", {}, ...files),
  );
}

async function closeRequest(request) {
  const sure = await confirmAction({
    name: `Close ${request.title}?`,
    text: "Its hand-in link answers \u201cnot found\u201d from now on, for good: a closed request cannot be opened again. What was handed in stays here.",
    button: "Close request",
  });
  if (!sure) return;
  try {
    await sharingApi(`/fm/sharing/requests/${request.id}/close`, { method: "POST" });
    toast(`${request.title} is closed: its link answers \u201cnot found\u201d from now on`);
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
  if (!deadline) {
    $("request-new-error").textContent = "Choose a deadline: the date and time the link stops taking files.";
    return $("request-new-deadline").focus();
  }
  const json = {
    title: $("request-new-title").value.trim(),
    deadline: new Date(deadline).toISOString(),
    extensions: $("request-new-kinds").value.split(/[\s,]+/).filter(Boolean),
  };
  if ($("request-new-limit").value) json.size_limit = Math.round(Number($("request-new-limit").value) * 1048576);
  try {
    const made = await sharingApi("/fm/sharing/requests", { method: "POST", json });
    $("request-new-form").reset();
    $("request-new-form").hidden = true;
    await refreshRequests();
    await copyText(made.url, "Hand-in link");
  } catch (e) {
    $("request-new-error").textContent = e.message;
  }
});

// Handed-in files arrive as the owner's files: refresh with the file list.
document.addEventListener("drive:files", () => refreshRequests().catch((e) => toast(e.message)));
