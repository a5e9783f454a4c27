/* carecircle offline visit recording.
 *
 * Every record a carer makes goes into a queue in IndexedDB first, with a UUID made here, and is
 * sent to /api/v1/records/sync when there is a connection. The server applies each UUID exactly
 * once and answers a resend with the stored result, so sending again after a lost answer is safe.
 * The status line in the header always says how many records are waiting.
 */
(function () {
  'use strict';

  const statusEl = document.getElementById('sync-status');
  if (!statusEl || !window.indexedDB) return;
  const SYNC_URL = statusEl.dataset.syncUrl;
  const RECEIPT_URL = statusEl.dataset.receiptUrl;
  const DB_NAME = 'carecircle-visits';
  const USER = statusEl.dataset.user;
  const T = JSON.parse((document.getElementById('visits-messages') || {}).textContent || '{}');
  const t = (key, values) => Object.entries(values || {}).reduce(
    (text, [k, v]) => text.replace(`%(${k})s`, v), T[key] || key);
  let flushing = false;
  let retryDelay = 2000;
  let retryTimer = null;

  // ---- IndexedDB ------------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains('queue')) db.createObjectStore('queue', { keyPath: 'op_id' });
        if (!db.objectStoreNames.contains('drafts')) db.createObjectStore('drafts', { keyPath: 'visit' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  async function tx(store, mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction(store, mode);
      const s = t.objectStore(store);
      let result;
      Promise.resolve(fn(s)).then((r) => { result = r; });
      t.oncomplete = () => { db.close(); resolve(result); };
      t.onerror = () => { db.close(); reject(t.error); };
    });
  }
  function reqP(req) {
    return new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
  }
  const queueAll = () => tx('queue', 'readonly', (s) => reqP(s.getAll()));
  const queuePut = (item) => tx('queue', 'readwrite', (s) => reqP(s.put(item)));
  const queueDelete = (id) => tx('queue', 'readwrite', (s) => reqP(s.delete(id)));
  const draftGet = (visit) => tx('drafts', 'readonly', (s) => reqP(s.get(visit)));
  const draftPut = (draft) => tx('drafts', 'readwrite', (s) => reqP(s.put(draft)));

  // A phone may be shared: each queued record belongs to the person who made it, and is sent only
  // while they are signed in (another person's session would be refused anyway).
  const mine = async () => (await queueAll()).filter((i) => i.user === USER);

  async function forgetOtherPeople() {
    let last = null;
    try { last = localStorage.getItem('carecircle-visits-user'); } catch (e) { return; }
    if (localStorage.getItem('carecircle-visits-forget')) {
      localStorage.removeItem('carecircle-visits-forget');
      await forgetPages();
    }
    if (last === USER) return;
    localStorage.setItem('carecircle-visits-user', USER);
    if (last === null) return;
    // Someone else signed in on this phone: drop the cached pages and drafts of the last person.
    await forgetPages();
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function csrfToken() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    try { return JSON.parse(document.body.getAttribute('hx-headers') || '{}')['X-CSRFToken'] || ''; } catch (e) { return ''; }
  }

  // ---- Status ---------------------------------------------------------------------------------
  async function renderStatus(sending) {
    let items = [];
    try { items = await mine(); } catch (e) { /* private mode: nothing queued */ }
    const waiting = items.filter((i) => !i.attention).length;
    const attention = items.length - waiting;
    const d = statusEl.dataset;
    const parts = [];
    if (!navigator.onLine) parts.push(d.tOffline);
    if (waiting === 1) parts.push(d.tWaitingOne);
    else if (waiting > 1) parts.push(d.tWaiting.replace('%(n)s', waiting));
    if (attention) parts.push(d.tAttention.replace('%(n)s', attention));
    if (sending && waiting) parts.push(d.tSending);
    if (!waiting && !attention) parts.push(d.tSent);
    statusEl.querySelector('.sync-text').textContent = parts.join(' · ');
    statusEl.dataset.waiting = String(waiting);
    statusEl.dataset.attention = String(attention);
    statusEl.classList.toggle('has-waiting', waiting + attention > 0);
    const list = items.filter((i) => i.attention).map((i) => i.message).join(' ');
    statusEl.title = list;
  }

  // ---- Sending --------------------------------------------------------------------------------
  function scheduleRetry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  async function post(url, body, isJson) {
    const headers = { 'X-CSRFToken': csrfToken() };
    if (isJson) headers['Content-Type'] = 'application/json';
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers, body: isJson ? JSON.stringify(body) : body });
  }

  async function errorMessage(response) {
    try { const b = await response.json(); return (b.error && b.error.message) || response.statusText; } catch (e) { return response.statusText; }
  }

  async function flush() {
    if (flushing) return;
    flushing = true;
    let stopped = false;
    try {
      const items = (await mine()).filter((i) => !i.attention).sort((a, b) => a.created - b.created);
      if (items.length) renderStatus(true);
      for (const item of items) {
        if (!navigator.onLine) { stopped = true; break; }
        try {
          if (item.receipt && !item.payload.expenses[0].receipt_sha256) {
            const form = new FormData();
            form.append('file', item.receipt, 'receipt');
            const up = await post(RECEIPT_URL, form, false);
            if (up.status >= 400 && up.status < 500 && up.status !== 401) {
              item.attention = true; item.message = await errorMessage(up); await queuePut(item); continue;
            }
            if (!up.ok) { stopped = true; break; }
            item.payload.expenses[0].receipt_sha256 = (await up.json()).sha256;
            await queuePut(item);
          }
          const response = await post(SYNC_URL, item.payload, true);
          if (response.ok) {
            const result = await response.json();
            await queueDelete(item.op_id);
            if (result.check_out_refused) await keepCheckOut(item, result);
            await remember(item.payload.visit_id, result);
          } else if (response.status === 401 || response.status >= 500) {
            stopped = true; break;
          } else {
            item.attention = true; item.message = await errorMessage(response); await queuePut(item);
          }
        } catch (e) {
          stopped = true; break; // the network went away mid-send: the server may or may not have it; resending is safe
        }
      }
    } finally {
      flushing = false;
    }
    if (stopped) scheduleRetry(); else retryDelay = 2000;
    await renderStatus(false);
    document.dispatchEvent(new CustomEvent('visits:flushed'));
  }

  const refusalOf = (result) => (result.warnings || [])
    .filter((w) => w.refuses === 'check_out').map((w) => w.message).join(' ');

  // The server stored the rest of the record but not its check-out (a rule stopped it, such as a
  // medicine due with no outcome). The check-out must not vanish from the phone: it stays queued,
  // needing attention, with the reason, until it is sent again or a new check-out replaces it.
  async function keepCheckOut(item, result) {
    const p = item.payload;
    const kept = { op_id: uuid(), record_id: p.record_id, visit_id: p.visit_id, checked_out_at: p.checked_out_at,
      notes: '', over_time_reason: p.over_time_reason || '', tasks: [], doses: [], expenses: [] };
    if (p.check_out_lat != null) { kept.check_out_lat = p.check_out_lat; kept.check_out_lon = p.check_out_lon; }
    await queuePut({ op_id: kept.op_id, user: item.user, created: item.created, payload: kept, receipt: null,
      attention: true, checkOut: true, message: refusalOf(result) });
  }

  async function dropKeptCheckOuts(visit) {
    for (const old of (await mine()).filter((i) => i.checkOut && i.payload.visit_id === visit)) {
      await queueDelete(old.op_id);
    }
  }

  async function remember(visit, result) {
    const draft = (await draftGet(visit)) || { visit };
    draft.result = result;
    if (result.checked_in_at) draft.server_in = result.checked_in_at;
    if (result.checked_out_at) { draft.server_out = result.checked_out_at; draft.out_refused = null; }
    if (result.check_out_refused) { draft.checked_out_at = null; draft.out_refused = refusalOf(result); }
    await draftPut(draft);
    showRecordState();
  }

  // ---- The recording page ---------------------------------------------------------------------
  const form = document.getElementById('record-form');
  const config = form ? JSON.parse(form.dataset.config) : null;
  const sayEl = document.getElementById('record-message');
  const say = (text) => { if (sayEl) sayEl.textContent = text || ''; };

  function hhmm(iso) {
    return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  }

  async function showRecordState() {
    if (!form) return;
    const draft = (await draftGet(config.visit)) || {};
    const checkedIn = draft.server_in || config.checkedInAt || draft.checked_in_at;
    const checkedOut = draft.server_out || config.checkedOutAt || draft.checked_out_at;
    const el = document.getElementById('checkin-state');
    const parts = [checkedIn ? t('checked_in', { time: hhmm(checkedIn) }) : t('not_in')];
    if (checkedOut) parts.push(t('checked_out', { time: hhmm(checkedOut) }));
    else if (draft.out_refused) parts.push(t('not_out', { why: draft.out_refused }));
    if (!draft.server_in && draft.checked_in_at && !config.checkedInAt) parts.push(t('waiting'));
    el.textContent = parts.join(' ');
    const checkInButton = document.getElementById('check-in');
    if (checkInButton) checkInButton.hidden = Boolean(checkedIn);
    const warnings = (draft.result && draft.result.warnings) || [];
    if (warnings.length) say(warnings.map((w) => w.message).join(' '));
  }

  function where(wanted) {
    if (!wanted || !navigator.geolocation) return Promise.resolve(null);
    return new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition(
        (p) => resolve([p.coords.latitude, p.coords.longitude]), () => resolve(null), { timeout: 5000, maximumAge: 60000 });
    });
  }

  function checkedValue(name) {
    const el = form.querySelector(`input[name="${name}"]:checked`);
    return el ? el.value : null;
  }

  async function onSubmit(event) {
    event.preventDefault();
    say('');
    const action = (event.submitter && event.submitter.value) || 'save';
    const draft = (await draftGet(config.visit)) || { visit: config.visit, sent: null };
    if (!draft.sent) draft.sent = initialValues();
    const now = new Date().toISOString();
    const recordId = form.elements.record_id.value;
    const payload = { op_id: uuid(), record_id: draft.record_id || recordId, visit_id: config.visit,
      notes: form.elements.notes.value, over_time_reason: form.elements.over_time_reason.value,
      tasks: [], doses: [], expenses: [] };
    draft.record_id = payload.record_id;
    const checkedIn = draft.server_in || config.checkedInAt || draft.checked_in_at;
    // The box is only on the page while the client agrees; ticking it is the carer's own choice.
    const share = form.elements.share_location;
    const place = await where(action !== 'save' && Boolean(share && share.checked));

    if (action === 'check_in') {
      if (checkedIn) { say(t('already_in')); return; }
      payload.checked_in_at = now;
      if (place) [payload.check_in_lat, payload.check_in_lon] = place;
    }
    // Tasks: a task not done needs a reason.
    for (const input of form.querySelectorAll('input[type=radio][name^="task-"]:checked')) {
      const id = Number(input.name.slice(5));
      const reason = form.elements[`${input.name}-reason`].value.trim();
      if (input.value === 'not_done' && !reason) { say(t('task_reason')); return; }
      const key = `${input.name}=${input.value}:${reason}`;
      if (draft.sent[input.name] === key) continue;
      payload.tasks.push({ task_id: id, done: input.value === 'done', reason, recorded_at: now });
      draft.sent[input.name] = key;
    }
    // Medicines due: any outcome but "given" needs a reason.
    for (const dose of config.doses) {
      const outcome = checkedValue(dose.name);
      if (!outcome) continue;
      const reason = form.elements[`${dose.name}-reason`].value.trim();
      if (outcome !== 'given' && !reason) { say(t('dose_reason')); return; }
      const key = `${outcome}:${reason}`;
      if (draft.sent[dose.name] === key) continue;
      const [medicine, slot] = dose.key.split('@');
      payload.doses.push({ id: uuid(), medicine_id: medicine, slot, given_at: now, outcome, reason, recorded_at: now });
      draft.sent[dose.name] = key;
    }
    const prnBoxes = [...form.querySelectorAll('input[type=checkbox][name^="prn-"]:checked')];
    for (const box of prnBoxes) {
      payload.doses.push({ id: uuid(), medicine_id: box.name.slice(4), slot: '', given_at: now, outcome: 'given',
        reason: form.elements[`${box.name}-reason`].value.trim(), recorded_at: now });
    }
    const mood = checkedValue('mood');
    if (mood && draft.sent.mood !== mood) { payload.mood = mood; payload.mood_at = now; draft.sent.mood = mood; }

    if (action === 'check_out') {
      if (!checkedIn) { say(t('check_in_first')); return; }
      const missing = config.doses.filter((d) => !checkedValue(d.name));
      if (missing.length) { say(t('dose_missing')); return; }
      const minutes = (Date.parse(now) - Date.parse(checkedIn)) / 60000;
      if (minutes > config.duration && !payload.over_time_reason.trim()) {
        say(t('over_time'));
        form.elements.over_time_reason.focus(); return;
      }
      payload.checked_out_at = now;
      if (place) [payload.check_out_lat, payload.check_out_lon] = place;
    }
    let receipt = null;
    const amount = form.elements['expense-amount'].value.trim();
    if (amount) {
      if (!/^\d+(\.\d{1,2})?$/.test(amount)) { say(t('amount')); return; }
      const file = form.elements['expense-receipt'].files[0];
      if (file && file.size > (T.max_bytes || 5242880)) { say(t('too_large')); return; }
      payload.expenses.push({ id: uuid(), amount, kind: form.elements['expense-kind'].value,
        note: form.elements['expense-note'].value, spent_at: now, receipt_sha256: null });
      if (file) receipt = file;
    }
    if (payload.checked_in_at) draft.checked_in_at = payload.checked_in_at;
    if (payload.checked_out_at) {
      draft.checked_out_at = payload.checked_out_at;
      draft.out_refused = null;
      await dropKeptCheckOuts(config.visit); // this check-out replaces one the server refused
    }
    await queuePut({ op_id: payload.op_id, user: USER, created: Date.now(), payload, receipt, attention: false });
    await draftPut(draft);
    prnBoxes.forEach((b) => { b.checked = false; form.elements[`${b.name}-reason`].value = ''; });
    ['expense-amount', 'expense-note', 'expense-receipt'].forEach((n) => { form.elements[n].value = ''; });
    await showRecordState();
    say(navigator.onLine ? '' : t('saved_offline'));
    await renderStatus(false);
    flush();
  }

  function initialValues() {
    // What the page showed came from the server, so it need not be sent again.
    const sent = {};
    for (const input of form.querySelectorAll('input[type=radio][name^="task-"]:checked')) {
      sent[input.name] = `${input.name}=${input.value}:${form.elements[`${input.name}-reason`].value.trim()}`;
    }
    for (const dose of config.doses) {
      const v = checkedValue(dose.name);
      if (v) sent[dose.name] = `${v}:${form.elements[`${dose.name}-reason`].value.trim()}`;
    }
    const mood = checkedValue('mood');
    if (mood) sent.mood = mood;
    return sent;
  }

  if (form) {
    form.addEventListener('submit', onSubmit);
    showRecordState();
  }

  // ---- Installable app and the next 48 hours --------------------------------------------------
  function addManifest() {
    if (document.querySelector('link[rel=manifest]')) return;
    const link = document.createElement('link');
    link.rel = 'manifest';
    link.href = statusEl.dataset.manifest;
    document.head.appendChild(link);
  }

  async function precache() {
    const el = document.getElementById('offline-ready');
    if (!el || !('serviceWorker' in navigator)) return;
    const reg = await navigator.serviceWorker.ready;
    const assets = [...document.querySelectorAll('link[rel=stylesheet], script[src]')]
      .map((n) => n.href || n.src).filter((u) => u && new URL(u).origin === location.origin);
    const urls = [...JSON.parse(el.dataset.precache), ...assets];
    const channel = new MessageChannel();
    const done = new Promise((resolve) => { channel.port1.onmessage = (e) => resolve(e.data); });
    reg.active.postMessage({ type: 'precache', urls }, [channel.port2]);
    const result = await done;
    el.textContent = t('ready', { cached: result.cached, total: result.total });
    document.documentElement.dataset.offlineReady = '1';
  }

  async function showAttention() {
    const box = document.getElementById('queue-attention');
    if (!box) return;
    const items = (await mine()).filter((i) => i.attention);
    const list = box.querySelector('ul');
    list.replaceChildren();
    for (const item of items) {
      const li = document.createElement('li');
      const text = document.createElement('p');
      text.textContent = `${new Date(item.created).toLocaleString()}: ${item.message || ''}`;
      const retry = document.createElement('button');
      retry.type = 'button'; retry.textContent = t('retry');
      retry.onclick = async () => { item.attention = false; await queuePut(item); showAttention(); flush(); };
      const drop = document.createElement('button');
      drop.type = 'button'; drop.textContent = t('discard');
      drop.onclick = async () => { await queueDelete(item.op_id); showAttention(); renderStatus(false); };
      li.append(text, retry, ' ', drop);
      list.append(li);
    }
    box.hidden = items.length === 0;
  }
  document.addEventListener('visits:flushed', showAttention);
  showAttention();

  // Signing out leaves no client pages behind on the phone: the cached pages and drafts go (the
  // person's unsent records stay in the queue, and are sent when they sign in again).
  async function forgetPages() {
    if (window.caches) {
      for (const key of await caches.keys()) if (key.startsWith('cc-visits-')) await caches.delete(key);
    }
    await tx('drafts', 'readwrite', (s) => reqP(s.clear()));
  }
  const logoutForm = document.querySelector(`form[action="${statusEl.dataset.logout}"]`);
  if (logoutForm) {
    // Never hold the sign-out back: start forgetting now (the service worker finishes it if the
    // page goes first), and finish it on the next signed-in page if neither got there.
    logoutForm.addEventListener('submit', () => {
      try { localStorage.setItem('carecircle-visits-forget', '1'); } catch (e) { /* private mode */ }
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: 'forget' });
      }
      forgetPages().catch(() => null);
    });
  }

  addManifest();
  const ready = forgetOtherPeople().catch(() => null);
  if ('serviceWorker' in navigator) {
    ready.then(() => navigator.serviceWorker.register(statusEl.dataset.worker, { scope: '/visits/' }))
      .then(() => precache()).catch(() => null);
  }
  window.addEventListener('online', () => { retryDelay = 2000; flush(); });
  window.addEventListener('offline', () => renderStatus(false));
  setInterval(() => { if (navigator.onLine) flush(); }, 30000);
  renderStatus(false).then(flush);
  window.carecircleVisits = { flush, queueAll, renderStatus };
})();
