// The submission page: sign in as an owner, submit jobs, and watch every job of that owner live over the owner's
// WebSocket feed. The feed token comes from the page's server side (POST /app/session), as a real backend would hand it
// out; the page holds no secret. When the connection drops, the page reconnects with the time of the last change it
// saw (?after=) and is sent everything that changed meanwhile; a job's version tells a repeat from news.
"use strict";

const page = {
  owner: null,
  token: null,
  expiresAt: 0,
  after: null,        // the newest change seen (ms): where a reconnect resumes
  jobs: new Map(),    // job id -> latest state, plus the order first seen
  socket: null,
  retryMs: 500,
};

const $ = id => document.getElementById(id);

function setConnection(state, text) {
  const badge = $("connection");
  badge.dataset.state = state;
  badge.textContent = text;
}

async function signIn(owner) {
  const response = await fetch("/app/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ owner }),
  });
  const body = await response.json();
  if (!response.ok) {
    throw new Error(body.detail || body.title);
  }
  page.token = body.token;
  page.expiresAt = Date.parse(body.expires_at);
  return body;
}

async function connect() {
  if (page.socket) {
    page.socket.onclose = null;
    page.socket.close();
  }
  if (Date.now() > page.expiresAt - 30_000) {
    await signIn(page.owner);   // the token is short-lived: ask the backend for a fresh one
  }
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const resume = page.after === null ? "" : `&after=${page.after}`;
  const socket = new WebSocket(`${scheme}://${location.host}/owners/${encodeURIComponent(page.owner)}/ws?access_token=${encodeURIComponent(page.token)}${resume}`);
  page.socket = socket;
  socket.onopen = () => { page.retryMs = 500; setConnection("live", "live"); };
  socket.onmessage = event => receive(JSON.parse(event.data));
  socket.onclose = () => {
    if (page.socket !== socket) {
      return;
    }
    setConnection("offline", "offline: reconnecting");
    setTimeout(() => connect().catch(() => socket.onclose()), page.retryMs);
    page.retryMs = Math.min(page.retryMs * 2, 4000);
  };
}

function receive(update) {
  page.after = Math.max(page.after ?? 0, update.at);
  const known = page.jobs.get(update.job_id);
  if (known && known.version >= update.version) {
    return;   // a repeat after a reconnect
  }
  page.jobs.set(update.job_id, { ...update, type: update.type ?? known?.type, seen: known?.seen ?? page.jobs.size });
  render();
}

function render() {
  const rows = [...page.jobs.values()].sort((a, b) => b.seen - a.seen);
  $("no-jobs").hidden = rows.length > 0;
  $("jobs").querySelector("tbody").replaceChildren(...rows.map(row));
}

function row(job) {
  const tr = document.createElement("tr");
  tr.dataset.jobId = job.job_id;
  tr.dataset.status = job.status;
  const cell = (className, content) => {
    const td = document.createElement("td");
    td.className = className;
    if (content instanceof Node) {
      td.append(content);
    } else {
      td.textContent = content ?? "";
    }
    tr.append(td);
  };
  cell("job", job.job_id.slice(0, 8));
  cell("type", job.type);
  const status = document.createElement("span");
  status.className = "status";
  status.dataset.status = job.status;
  status.textContent = job.status;
  cell("status-cell", status);
  cell("progress", progressOf(job));
  cell("result", job.status === "failed" ? job.error : job.result === null || job.result === undefined ? "" : JSON.stringify(job.result));
  cell("updated", new Date(job.at).toLocaleTimeString());
  return tr;
}

function progressOf(job) {
  const p = job.progress;
  if (!p || typeof p.step !== "number" || typeof p.of !== "number") {
    return "";
  }
  const bar = document.createElement("progress");
  bar.max = p.of;
  bar.value = job.status === "done" ? p.of : p.step;
  bar.title = `${p.step} of ${p.of}`;
  return bar;
}

$("sign-in").addEventListener("submit", async event => {
  event.preventDefault();
  const owner = $("owner").value.trim();
  try {
    await signIn(owner);
  } catch (e) {
    $("signed-in-as").hidden = false;
    $("signed-in-as").textContent = e.message;
    return;
  }
  page.owner = owner;
  page.after = null;
  page.jobs.clear();
  render();
  $("signed-in-as").hidden = false;
  $("signed-in-as").textContent = `Signed in as ${owner}. Sign in with the same owner on another device: both see every job.`;
  $("submit-card").hidden = false;
  $("jobs-card").hidden = false;
  await connect();
});

$("type").addEventListener("change", () => {
  $("payload").value = { uppercase: '"hello world"', sleep: '{"ms": 3000, "steps": 6}', echo: '{"x": 1}', fail: '{}' }[$("type").value];
});

$("submit").addEventListener("submit", async event => {
  event.preventDefault();
  $("submit-error").textContent = "";
  let payload;
  try {
    payload = JSON.parse($("payload").value);
  } catch {
    $("submit-error").textContent = "The payload is not JSON.";
    return;
  }
  const response = await fetch("/app/jobs", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": `Bearer ${page.token}` },
    body: JSON.stringify({ type: $("type").value, payload }),
  });
  if (!response.ok) {
    const problem = await response.json();
    $("submit-error").textContent = problem.detail || problem.title;
  }
  // The job appears through the feed, on this device and every other one of this owner.
});
