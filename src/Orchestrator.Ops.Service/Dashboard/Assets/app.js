// The monitoring dashboard: asks for the API key once per browser session, then polls the authenticated API and
// redraws the five sections. No libraries; the DOM is built with textContent only, never HTML from the API.
'use strict';

(function () {
  const KEY = 'orchestratorOps.apiKey';
  const $ = (id) => document.getElementById(id);
  let settings = { refresh_seconds: 5, chart_minutes: 60, chart_step_seconds: 60 };
  let timer = null;
  let generation = 0;

  class AuthNeeded extends Error {}

  function storedKey() {
    try { return sessionStorage.getItem(KEY); } catch { return null; }
  }

  function askForKey(message) {
    generation++;
    clearTimeout(timer);
    $('dashboard').hidden = true;
    $('forget-key').hidden = true;
    $('key-form').hidden = false;
    $('key-message').textContent = message || "Enter the service's API key. It is kept for this browser session only.";
    setStatus('Waiting for the API key');
    $('key-input').focus();
  }

  async function api(path) {
    const key = storedKey();
    if (!key) { askForKey(); throw new AuthNeeded(); }
    const response = await fetch(path, { headers: { 'X-Api-Key': key, Accept: 'application/json' }, cache: 'no-store' });
    if (response.status === 401) {
      sessionStorage.removeItem(KEY);
      askForKey('The service refused that API key; enter it again.');
      throw new AuthNeeded();
    }
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    if (!response.ok || !body || body.success !== true) {
      throw new Error((body && body.error) || `${path} answered HTTP ${response.status}`);
    }
    return body;
  }

  function setStatus(text, failed) {
    const el = $('refresh-status');
    el.textContent = text;
    el.classList.toggle('error', !!failed);
  }

  // Formatting
  const pct = (f) => (f === null || f === undefined ? '–' : `${(f * 100).toFixed(1)}%`);
  const ms = (v) => (v === null || v === undefined ? '–' : `${Math.round(v)} ms`);
  const num = (v) => (v === null || v === undefined ? '–' : String(v));
  const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '–');
  const tone = (status) => ({ Healthy: 'green', Degraded: 'amber', Unhealthy: 'red', Critical: 'red' })[status] || 'grey';

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function badge(status) {
    return el('span', `badge tone-${tone(status)}`, status || 'Unknown');
  }

  function showSectionError(section, error) {
    let note = $(section).querySelector('.section-error');
    if (!error) { if (note) note.remove(); return; }
    if (!note) { note = el('p', 'section-error'); $(section).appendChild(note); }
    note.textContent = `Could not update: ${error.message}`;
  }

  // (1) System overview
  function renderOverview(h) {
    const stats = [
      ['Health score', pct(h.overall_health_score)],
      ['Status', null, h.system_status],
      ['Active wrappers', num(h.active_wrappers)],
      ['Healthy', num(h.healthy_wrappers)],
      ['Unhealthy', num(h.unhealthy_wrappers)],
      ['Operations', num(h.total_operations)],
      ['Active operations', num(h.active_operations)],
      ['Success rate', pct(h.overall_success_rate)],
      ['Ops / min', num(h.operations_per_minute)],
      ['Last check', time(h.last_health_check)],
    ];
    const list = $('overview-stats');
    list.replaceChildren(...stats.map(([label, value, status]) => {
      const box = el('div');
      box.appendChild(el('dt', null, label));
      const dd = el('dd');
      if (status !== undefined) { dd.appendChild(badge(status)); dd.dataset.status = status; dd.id = 'system-status'; } else dd.textContent = value;
      box.appendChild(dd);
      return box;
    }));
  }

  // (2) Wrapper metrics
  function renderWrappers(body) {
    $('wrappers-slot').textContent = body.slot ? `(slot ${body.slot})` : '';
    const rows = Object.keys(body.data).sort().map((name) => {
      const w = body.data[name];
      const status = w.status || 'Unknown';
      const tr = el('tr', `status-${status.toLowerCase()} tone-${tone(status)}`);
      tr.dataset.wrapper = name;
      tr.dataset.status = status;
      tr.appendChild(el('th', null, name)).scope = 'row';
      tr.appendChild(el('td')).appendChild(badge(status));
      for (const v of [pct(w.health_score), pct(w.success_rate), pct(w.error_rate), pct(w.fallback_rate),
        ms(w.p50_ms), ms(w.p95_ms), ms(w.p99_ms), num(w.total_operations), time(w.last_activity)]) {
        tr.appendChild(el('td', null, v));
      }
      return tr;
    });
    $('wrapper-rows').replaceChildren(...rows);
    return Object.keys(body.data).sort();
  }

  // (3) Performance charts, drawn on canvas
  const COLORS = { success: '#15803d', p50: '#2563eb', p95: '#d97706', p99: '#dc2626', grid: '#e5e7eb', axis: '#6b7280' };

  function chartFigure(name) {
    const grid = $('chart-grid');
    let fig = grid.querySelector(`figure[data-wrapper="${CSS.escape(name)}"]`);
    if (fig) return fig;
    fig = el('figure');
    fig.dataset.wrapper = name;
    fig.appendChild(el('figcaption', null, name));
    const success = el('canvas', 'chart-success');
    success.setAttribute('aria-label', `${name} success rate over time`);
    const latency = el('canvas', 'chart-latency');
    latency.setAttribute('aria-label', `${name} P50, P95 and P99 response time over time`);
    fig.append(success, latency);
    grid.appendChild(fig);
    return fig;
  }

  function niceMax(v) {
    if (!(v > 0)) return 100;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function drawChart(canvas, times, lines, opts) {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(200, canvas.clientWidth);
    const height = Math.max(100, canvas.clientHeight);
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const pad = { left: 52, right: 10, top: 18, bottom: 20 };
    const w = width - pad.left - pad.right;
    const h = height - pad.top - pad.bottom;
    const values = lines.flatMap((l) => l.values).filter((v) => v !== null && v !== undefined);
    const max = opts.max !== undefined ? opts.max : niceMax(Math.max(...values, 0) * 1.1);
    const n = times.length;
    const x = (i) => pad.left + (n <= 1 ? w / 2 : (i * w) / (n - 1));
    const y = (v) => pad.top + h - (Math.min(v, max) / max) * h;

    g.font = '11px system-ui, sans-serif';
    g.lineWidth = 1;
    g.textBaseline = 'middle';
    for (let k = 0; k <= 4; k++) {
      const v = (max * k) / 4;
      g.strokeStyle = COLORS.grid;
      g.beginPath(); g.moveTo(pad.left, y(v) + 0.5); g.lineTo(pad.left + w, y(v) + 0.5); g.stroke();
      g.fillStyle = COLORS.axis;
      g.textAlign = 'right';
      g.fillText(opts.format(v), pad.left - 6, y(v));
    }
    if (n > 0) {
      g.textAlign = 'left';
      g.textBaseline = 'alphabetic';
      g.fillText(new Date(times[0]).toLocaleTimeString(), pad.left, height - 4);
      g.textAlign = 'right';
      g.fillText(new Date(times[n - 1]).toLocaleTimeString(), pad.left + w, height - 4);
    }

    let plotted = 0;
    lines.forEach((line, li) => {
      g.strokeStyle = line.color;
      g.fillStyle = line.color;
      g.lineWidth = 2;
      let run = [];
      const flush = () => {
        if (run.length === 1) {
          g.beginPath(); g.arc(run[0][0], run[0][1], 3, 0, 2 * Math.PI); g.fill();
        } else if (run.length > 1) {
          g.beginPath();
          run.forEach(([px, py], j) => (j === 0 ? g.moveTo(px, py) : g.lineTo(px, py)));
          g.stroke();
        }
        run = [];
      };
      line.values.forEach((v, i) => {
        if (v === null || v === undefined) { flush(); return; }
        run.push([x(i), y(v)]);
        plotted++;
      });
      flush();
      // Legend, top right
      const lx = pad.left + w - (lines.length - li) * 62;
      g.fillRect(lx, 5, 10, 3);
      g.fillStyle = COLORS.axis;
      g.textAlign = 'left';
      g.textBaseline = 'middle';
      g.fillText(line.label, lx + 14, 7);
    });
    if (plotted === 0) {
      g.fillStyle = COLORS.axis;
      g.textAlign = 'center';
      g.fillText('No operations in this range yet', pad.left + w / 2, pad.top + h / 2);
    }
    canvas.dataset.points = String(plotted);
  }

  function renderSeries(name, body) {
    const fig = chartFigure(name);
    const points = body.data;
    const times = points.map((p) => p.timestamp);
    drawChart(fig.querySelector('.chart-success'), times,
      [{ label: 'success', color: COLORS.success, values: points.map((p) => (p.success_rate === null ? null : p.success_rate * 100)) }],
      { max: 100, format: (v) => `${v}%` });
    drawChart(fig.querySelector('.chart-latency'), times,
      [{ label: 'P50', color: COLORS.p50, values: points.map((p) => p.p50_ms) },
        { label: 'P95', color: COLORS.p95, values: points.map((p) => p.p95_ms) },
        { label: 'P99', color: COLORS.p99, values: points.map((p) => p.p99_ms) }],
      { format: (v) => `${Math.round(v)} ms` });
  }

  // (4) Active alerts
  function renderAlerts(alerts) {
    $('no-alerts').hidden = alerts.length > 0;
    $('alert-list').replaceChildren(...alerts.map((a) => {
      const li = el('li', `severity-${a.severity} state-${a.state}`);
      li.dataset.rule = a.rule;
      li.dataset.severity = a.severity;
      const where = [a.wrapper_name, a.slot].filter(Boolean).join('/');
      li.appendChild(el('strong', null, `${a.severity.toUpperCase()} ${a.rule}${where ? ` — ${where}` : ''}`));
      li.appendChild(el('span', 'when', `${a.state} since ${time(a.fired_at || a.started_at)}`));
      li.appendChild(el('div', null, a.message || ''));
      return li;
    }));
  }

  // (5) Log tail
  async function refreshLog() {
    const name = $('log-name').value;
    const body = await api(`/api/logs/tail?log=${encodeURIComponent(name)}&lines=200`);
    const pre = $('log-tail');
    const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 24;
    pre.textContent = body.data.length ? body.data.join('\n') : `(${name}.log is empty or does not exist yet)`;
    pre.dataset.lines = String(body.data.length);
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }

  async function section(id, work) {
    try {
      await work();
      showSectionError(id, null);
      return true;
    } catch (e) {
      if (e instanceof AuthNeeded) throw e;
      showSectionError(id, e);
      return false;
    }
  }

  async function refresh() {
    const results = await Promise.all([
      section('overview', async () => renderOverview((await api('/api/system/health')).data)),
      section('wrappers', async () => {
        const names = renderWrappers(await api('/api/wrappers/health'));
        await section('charts', async () => {
          const query = `minutes=${settings.chart_minutes}&step=${settings.chart_step_seconds}`;
          const series = await Promise.all(names.map((n) => api(`/api/wrappers/${encodeURIComponent(n)}/series?${query}`)));
          names.forEach((n, i) => renderSeries(n, series[i]));
        });
      }),
      section('alerts', async () => renderAlerts((await api('/api/alerts')).data)),
      section('logs', refreshLog),
    ]);
    return results.every(Boolean);
  }

  async function tick(run) {
    if (run !== generation) return;
    try {
      const ok = await refresh();
      setStatus(ok ? `Updated ${new Date().toLocaleTimeString()} · every ${settings.refresh_seconds} s`
        : `Partly updated ${new Date().toLocaleTimeString()}; see the sections marked`, !ok);
    } catch (e) {
      if (e instanceof AuthNeeded) return;
      setStatus(`Update failed: ${e.message}`, true);
    }
    if (run === generation) timer = setTimeout(() => tick(run), settings.refresh_seconds * 1000);
  }

  async function start() {
    const run = ++generation;
    clearTimeout(timer);
    $('key-form').hidden = true;
    $('dashboard').hidden = false;
    $('forget-key').hidden = false;
    try {
      const config = (await api('/api/dashboard/config')).data;
      settings = config;
      $('charts-range').textContent = `(last ${config.chart_minutes} min, ${config.chart_step_seconds} s steps)`;
    } catch (e) {
      if (e instanceof AuthNeeded) return;
      setStatus(`Could not read the dashboard settings: ${e.message}`, true);
    }
    tick(run);
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('key-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const key = $('key-input').value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY, key);
      $('key-input').value = '';
      start();
    });
    $('forget-key').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      askForKey();
    });
    $('log-name').addEventListener('change', () => { refreshLog().catch(() => {}); });
    if (storedKey()) start(); else askForKey();
  });
})();
