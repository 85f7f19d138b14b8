// A receipt's Remove buttons (until the deadline): the receipt's secret in X-Receipt
// is what lets its holder take a file back, from any browser.
"use strict";

const receipt = document.getElementById("receipt");
receipt.querySelectorAll("button[data-action=remove]").forEach((button) => {
  button.addEventListener("click", async () => {
    const item = button.closest("li");
    const path = location.pathname.replace(/\/receipt\/[^/]+$/, `/files/${item.dataset.id}`);
    const answer = await fetch(path, { method: "DELETE", headers: { "X-Receipt": receipt.dataset.token } });
    if (answer.ok) { location.reload(); return; }
    const body = await answer.json().catch(() => ({}));
    document.getElementById("receipt-error").textContent = body.detail || "Could not remove the file.";
  });
});
