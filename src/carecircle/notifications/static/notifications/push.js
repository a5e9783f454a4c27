// Sign this phone up for Web Push: register the push worker, subscribe with the server's VAPID key,
// and post the subscription to the server. Texts come from the button's data attributes.
(function () {
  const button = document.getElementById('push-enable');
  const state = document.getElementById('push-state');
  if (!button || !('serviceWorker' in navigator) || !('PushManager' in window)) return;
  button.hidden = false;
  function bytes(b64) {
    const pad = '='.repeat((4 - (b64.length % 4)) % 4);
    const raw = atob((b64 + pad).replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  }
  button.addEventListener('click', async () => {
    const d = button.dataset;
    try {
      const reg = await navigator.serviceWorker.register('/push/sw.js', { scope: '/push/' });
      const sub = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: bytes(d.key),
      });
      const res = await fetch(d.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': d.csrf },
        body: JSON.stringify(sub.toJSON()),
      });
      state.textContent = res.ok ? d.ok : d.failed;
    } catch (e) {
      state.textContent = d.blocked;
    }
  });
})();
