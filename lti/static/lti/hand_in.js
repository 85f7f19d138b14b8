// A learner's hand-in: a PUT, so the streaming upload path reads the body, with the page's CSRF token.
const form = document.getElementById("hand-in");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("hand-in-error");
  error.textContent = "";
  const answer = await fetch(form.dataset.url, {
    method: "PUT",
    body: new FormData(form),
    headers: { "X-CSRFToken": form.dataset.csrf },
    credentials: "same-origin",
  });
  if (answer.ok) {
    window.location.reload();
    return;
  }
  const body = await answer.json().catch(() => ({}));
  error.textContent = body.detail || (body.refused || []).join(" ") || `Hand-in failed (${answer.status}).`;
});
