/**
 * The `/status` page: one self-contained HTML document (no CDN, no build step) that follows
 * `/status/events` (server-sent events of StatusSnapshot) and draws the limiter, the daily quota,
 * the jobs with progress bars and state history, and import failures as a table.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Marketo gateway · status</title>
<style>
  :root { color-scheme: light dark; --ok: #2e7d32; --warn: #ef6c00; --bad: #c62828; --muted: #777; }
  body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px 24px; }
  h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
  .muted { color: var(--muted); }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; }
  .card { border: 1px solid #8884; border-radius: 8px; padding: 10px 12px; }
  .card b { font-size: 22px; display: block; }
  .bar { height: 8px; background: #8883; border-radius: 4px; overflow: hidden; margin: 6px 0 2px; }
  .bar > i { display: block; height: 100%; background: var(--ok); transition: width .3s; }
  .bar.warn > i { background: var(--warn); } .bar.bad > i { background: var(--bad); }
  .bar.unknown > i { width: 100% !important; opacity: .25; }
  .job { border: 1px solid #8884; border-radius: 8px; padding: 10px 12px; margin-bottom: 10px; }
  .job header { display: flex; gap: 8px; align-items: baseline; flex-wrap: wrap; }
  .state { font-weight: 600; } .state.READY, .state.COMPLETE { color: var(--ok); }
  .state.FAILED, .state.CANCELLED { color: var(--bad); } .state.PARTIAL, .state.WAITING { color: var(--warn); }
  ol.history { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; padding: 0; margin: 6px 0 0; }
  ol.history li { font-size: 12px; background: #8882; border-radius: 10px; padding: 1px 8px; }
  table { border-collapse: collapse; width: 100%; margin-top: 6px; font-size: 13px; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #8883; }
  code { font-size: 12px; }
  #connection.down { color: var(--bad); }
</style>
</head>
<body>
<h1>Marketo gateway</h1>
<div class="muted"><span id="instance"></span> · <span id="connection">connecting…</span></div>
<h2>Marketo budget</h2>
<div class="cards">
  <div class="card" id="window"><span class="muted">rate window</span><b></b><div class="bar"><i></i></div><span class="muted small"></span></div>
  <div class="card" id="concurrency"><span class="muted">calls in flight</span><b></b><div class="bar"><i></i></div><span class="muted small"></span></div>
  <div class="card" id="quota"><span class="muted">daily quota</span><b></b><div class="bar"><i></i></div><span class="muted small"></span></div>
</div>
<h2>Jobs</h2>
<div id="jobs"><p class="muted">No export or import jobs yet.</p></div>
<script>
(() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const el = (tag, props = {}, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    for (const child of children) node.append(child);
    return node;
  };
  const fill = (card, big, ratio, small) => {
    $('b', card).textContent = big;
    const bar = $('.bar', card);
    bar.className = 'bar' + (ratio >= 0.95 ? ' bad' : ratio >= 0.8 ? ' warn' : '');
    $('i', bar).style.width = Math.round(Math.min(1, ratio) * 100) + '%';
    $('.small', card).textContent = small;
  };
  const time = (iso) => new Date(iso).toLocaleTimeString();
  function render(s) {
    $('#instance').textContent = s.instance.mode + ' ' + s.instance.origin + (s.limiter.shared ? ' · shared through Redis' : '');
    const l = s.limiter;
    fill($('#window'), l.callsInWindow + ' / ' + l.rateLimit, l.callsInWindow / l.rateLimit, 'calls in the last ' + l.rateWindowMs / 1000 + ' s');
    fill($('#concurrency'), l.inFlight + ' / ' + l.maxConcurrency, l.inFlight / l.maxConcurrency, l.queued + ' waiting for the limiter');
    fill($('#quota'), s.quota.used.toLocaleString() + ' / ' + s.quota.limit.toLocaleString(), s.quota.used / s.quota.limit, 'resets ' + new Date(s.quota.resetsAt).toLocaleString());
    const jobs = $('#jobs');
    if (s.jobs.length === 0) return;
    jobs.replaceChildren(...s.jobs.map((job) => {
      const bar = el('div', { className: 'bar' + (job.progress === null ? ' unknown' : job.state === 'FAILED' ? ' bad' : '') }, el('i'));
      if (job.progress !== null) $('i', bar).style.width = Math.round(job.progress * 100) + '%';
      const card = el('section', { className: 'job', id: job.kind + '-' + job.id },
        el('header', {},
          el('span', { className: 'muted', textContent: job.kind }),
          el('code', { textContent: job.id }),
          el('span', { className: 'state ' + job.state, textContent: job.state }),
          el('span', { className: 'muted', textContent: 'created ' + time(job.createdAt) })),
        bar,
        el('div', { className: 'muted', textContent: job.detail }),
        el('ol', { className: 'history' }, ...job.history.map((h) => el('li', { textContent: h.state + ' ' + time(h.at) }))));
      if (job.error) card.append(el('p', { className: 'state FAILED', textContent: job.error.code + ': ' + job.error.message }));
      if (job.failures.length > 0) {
        card.append(el('table', { className: 'failures' },
          el('thead', {}, el('tr', {}, el('th', { textContent: 'row' }), el('th', { textContent: 'why it failed' }))),
          el('tbody', {}, ...job.failures.map((f) => el('tr', {}, el('td', { textContent: f.rowNumber ?? '?' }), el('td', { textContent: f.reason }))))));
        if (job.failureCount > job.failures.length) card.append(el('p', { className: 'muted', textContent: (job.failureCount - job.failures.length) + ' more (importJob in GraphQL lists them all)' }));
      }
      return card;
    }));
  }
  const events = new EventSource('status/events');
  events.addEventListener('snapshot', (e) => {
    $('#connection').textContent = 'live';
    $('#connection').className = '';
    render(JSON.parse(e.data));
  });
  events.addEventListener('failure', (e) => {
    $('#connection').textContent = 'could not read the status: ' + JSON.parse(e.data);
    $('#connection').className = 'down';
  });
  events.onerror = () => {
    $('#connection').textContent = 'reconnecting…';
    $('#connection').className = 'down';
  };
})();
</script>
</body>
</html>
`;
