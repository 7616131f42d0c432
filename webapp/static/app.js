// vigie serve: follow a running audit's progress (Server-Sent Events) and
// reload the page when it is over, to show the report.
"use strict";
(() => {
  const list = document.getElementById("progress");
  if (!list || !window.EventSource) return;
  const status = document.getElementById("status");
  const es = new EventSource(list.dataset.events);
  es.addEventListener("progress", (e) => {
    const ev = JSON.parse(e.data);
    const li = document.createElement("li");
    const stage = document.createElement("span");
    stage.className = "stage";
    stage.textContent = ev.stage;
    li.append(stage, " " + ev.message);
    list.append(li);
    li.scrollIntoView({ block: "nearest" });
    if (status && status.className === "status-queued") {
      status.className = "status-running";
      status.textContent = list.dataset.statusRunning;
    }
  });
  es.addEventListener("done", () => {
    es.close();
    location.reload();
  });
})();
