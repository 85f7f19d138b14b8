// The file request page: the uploader's name, one XHR per file (so each has a progress
// bar), and this browser's uploads listed as they land. The name travels in the
// X-Uploader-Name header, which is also what makes the upload cross-site safe.
"use strict";

const form = document.getElementById("request-form");
const nameInput = document.getElementById("uploader-name");
const picker = document.getElementById("request-files");
const errorLine = document.getElementById("request-error");
const progressList = document.getElementById("request-progress");
const uploadsList = document.getElementById("request-uploads");

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

function listUpload(file, uploader) {
  document.getElementById("request-empty").hidden = true;
  const item = node("li", "request-file");
  item.append(node("span", "request-file-name", file.name), " ");
  const when = new Date(file.created_at).toLocaleString();
  item.append(node("span", "request-file-meta", `${uploader} · ${sizeText(file.size)} · ${when}`));
  uploadsList.append(item);
}

function sendOne(file, uploader) {
  const item = node("li");
  const label = node("span", "", file.name);
  const bar = node("progress");
  bar.max = file.size || 1; bar.value = 0;
  item.append(label, bar);
  progressList.append(item);
  return new Promise((resolve) => {
    const body = new FormData();
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${location.pathname}/files`);
    xhr.setRequestHeader("X-Uploader-Name", encodeURIComponent(uploader));
    xhr.upload.onprogress = (event) => { bar.value = event.loaded; };
    xhr.onload = () => {
      let answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* not JSON: use the status */ }
      const refused = (answer.refused || [])[0];
      if (xhr.status === 200 && !refused) {
        bar.value = bar.max;
        item.className = "done";
        label.textContent = `${file.name}: uploaded`;
        (answer.files || []).forEach((stored) => listUpload(stored, uploader));
      } else {
        item.className = "failed";
        label.textContent = `${file.name}: ${(refused && refused.detail) || answer.detail || xhr.statusText}`;
      }
      resolve();
    };
    xhr.onerror = () => { item.className = "failed"; label.textContent = `${file.name}: the upload failed`; resolve(); };
    xhr.send(body);
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const uploader = nameInput.value.trim();
  errorLine.textContent = "";
  if (!uploader) { errorLine.textContent = "Give your name first."; nameInput.focus(); return; }
  if (!picker.files.length) { errorLine.textContent = "Choose one or more files."; return; }
  const files = Array.from(picker.files);
  form.querySelector("button").disabled = true;
  // One after another: the request's size limit is judged against what already landed.
  for (const file of files) await sendOne(file, uploader);
  form.querySelector("button").disabled = false;
  picker.value = "";
});
