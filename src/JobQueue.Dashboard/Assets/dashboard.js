// The dashboard's only script. Actions: a button with data-action="actions/..." posts there (relative to the
// dashboard's <base href>) with the page's antiforgery token in the RequestVerificationToken header, after asking
// for data-confirm's text when it has one; the outcome shows in a status line. Live parts: every element with
// data-live and an id is redrawn from a fresh copy of the page every data-refresh-ms (and at once after an action),
// while the page is visible; the filters and forms outside them keep what the user is typing.
(() => {
  const refreshMs = Number(document.body.dataset.refreshMs) || 2000;
  let refreshing = false;

  async function refresh() {
    const live = [...document.querySelectorAll('[data-live][id]')];
    if (refreshing || document.hidden || live.length === 0) {
      return;
    }
    refreshing = true;
    try {
      const response = await fetch(location.href, { headers: { Accept: 'text/html' }, credentials: 'same-origin', cache: 'no-store' });
      if (response.ok) {
        const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
        for (const part of live) {
          const next = fresh.getElementById(part.id);
          if (next && next.innerHTML !== part.innerHTML) {
            part.innerHTML = next.innerHTML;
          }
        }
      }
    } catch {
      // The next tick tries again: a server restarting is no reason to stop.
    } finally {
      refreshing = false;
    }
  }

  function show(message, ok) {
    let line = document.getElementById('action-status');
    if (!line) {
      line = document.createElement('div');
      line.id = 'action-status';
      line.setAttribute('role', 'status');
      document.body.appendChild(line);
    }
    line.textContent = message;
    line.className = ok ? 'ok' : 'failed';
  }

  document.addEventListener('click', async event => {
    const button = event.target.closest('button[data-action]');
    if (!button) {
      return;
    }
    event.preventDefault();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      return;
    }
    const token = document.querySelector('input[name="__RequestVerificationToken"]')?.value ?? '';
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.action, {
        method: 'POST',
        headers: { RequestVerificationToken: token },
        credentials: 'same-origin',
      });
      const body = await response.json().catch(() => ({}));
      show(response.ok ? body.message : (body.detail || body.title || `The action failed (HTTP ${response.status}).`), response.ok);
    } catch (error) {
      show(`The action failed: ${error.message}`, false);
    } finally {
      button.disabled = false;
      refresh();
    }
  });

  setInterval(refresh, refreshMs);
  document.documentElement.dataset.dashboard = 'ready';
})();
