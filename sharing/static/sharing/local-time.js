// Times marked data-local are shown in the viewer's own time zone (the server writes UTC).
"use strict";
document.querySelectorAll("time[data-local]").forEach((t) => {
  t.textContent = new Date(t.getAttribute("datetime")).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
});
