// The dashboard's actions. A button with data-action="actions/..." posts there with the page's antiforgery token
// (rendered by <AntiforgeryToken /> in the layout) in the RequestVerificationToken header, after asking for
// data-confirm's text when it has one. The outcome is shown in a status line; the page itself redraws live.
(() => {
  function status() {
    let line = document.getElementById('action-status');
    if (!line) {
      line = document.createElement('div');
      line.id = 'action-status';
      line.setAttribute('role', 'status');
      document.body.appendChild(line);
    }
    return line;
  }

  function show(message, ok) {
    const line = status();
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
        headers: { 'RequestVerificationToken': token },
        credentials: 'same-origin',
      });
      const body = await response.json().catch(() => ({}));
      show(response.ok ? body.message : (body.detail || body.title || `The action failed (HTTP ${response.status}).`), response.ok);
    } catch (error) {
      show(`The action failed: ${error.message}`, false);
    } finally {
      button.disabled = false;
    }
  });
})();
