// The dashboard page: draws the snapshots the server streams (/events-stream), keeps the charts'
// history in memory, and sends the node buttons as POST /api/nodes/N/ACTION. Plain browser
// JavaScript served as it is; uPlot is loaded beforehand as a global.

const HISTORY_POINTS = 300; // five minutes at one snapshot a second
const MAX_TIMELINE = 500;
const COLOURS = ['#2f6fdf', '#d9480f', '#2b8a3e', '#862e9c', '#c92a2a', '#1098ad', '#e67700', '#5c940d'];

const $ = (selector) => document.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

const clockOf = (seconds) => new Date(seconds * 1000).toLocaleTimeString('en-GB', { hour12: false });
const fmt = (n) => (n === undefined || n === null ? '–' : Number.isInteger(n) ? n.toLocaleString('en') : n.toLocaleString('en', { maximumFractionDigits: 1 }));

// ---- nodes ---------------------------------------------------------------------------------

/** Which buttons make sense in each state; the server checks again. */
const ALLOWED = {
  running: ['kill', 'stop', 'pause', 'isolate', 'heal', 'delay'],
  isolated: ['kill', 'stop', 'pause', 'isolate', 'heal', 'delay'],
  delayed: ['kill', 'stop', 'pause', 'isolate', 'heal', 'delay'],
  paused: ['kill', 'stop', 'resume', 'heal'],
  dead: ['start', 'heal'],
  stopped: ['start', 'heal'],
};
const BUTTONS = ['kill', 'stop', 'start', 'pause', 'resume', 'isolate', 'heal'];
const cards = new Map();
const pending = new Set();

function nodeCard(id) {
  let card = cards.get(id);
  if (card) return card;
  const delayInput = el('input', { type: 'number', min: 0, max: 60000, step: 10, value: 100, 'aria-label': `delay of node ${id} in ms`, 'data-delay-ms': true });
  const buttons = BUTTONS.map((action) => el('button', { type: 'button', 'data-action': action, onclick: () => act(id, action) }, action));
  const delayButton = el('button', { type: 'button', 'data-action': 'delay', onclick: () => act(id, 'delay', { ms: Number(delayInput.value) }) }, 'delay');
  const root = el(
    'article',
    { class: 'node', 'data-node': id },
    el('h3', {}, `node ${id} `, el('span', { class: 'state', 'data-field': 'state' }), el('span', { class: 'controller-badge', 'data-field': 'controller', hidden: true }, 'controller')),
    el('dl', {},
      el('dt', {}, 'roles'), el('dd', { 'data-field': 'roles' }),
      el('dt', {}, 'raft'), el('dd', { 'data-field': 'raft' }),
      el('dt', {}, 'broker'), el('dd', { 'data-field': 'broker' }),
      el('dt', {}, 'leads'), el('dd', { 'data-field': 'leads' }),
      el('dt', {}, 'in / s'), el('dd', { 'data-field': 'rate' }),
      el('dt', {}, 'faults'), el('dd', { 'data-field': 'faults' }),
      el('dt', {}, 'pid'), el('dd', { 'data-field': 'pid' }),
    ),
    el('p', { class: 'error', 'data-field': 'error' }),
    el('div', { class: 'buttons' }, ...buttons, el('span', { class: 'delay' }, delayInput, el('span', {}, 'ms'), delayButton)),
  );
  card = { root, buttons: [...buttons, delayButton] };
  cards.set(id, card);
  return card;
}

function renderNodes(snapshot) {
  const container = $('#nodes');
  for (const node of snapshot.nodes) {
    const card = nodeCard(node.id);
    if (card.root.parentNode !== container) container.append(card.root);
    const field = (name) => card.root.querySelector(`[data-field="${name}"]`);
    card.root.dataset.state = node.state;
    card.root.dataset.reachable = String(node.reachable);
    field('state').textContent = node.state;
    field('controller').hidden = !node.isController;
    field('roles').textContent = node.roles.join(', ');
    field('raft').textContent = node.raftRole ? `${node.raftRole}, term ${node.raftTerm}` : '–';
    field('broker').textContent = node.brokerEpoch === undefined ? '–' : `epoch ${node.brokerEpoch}${node.fenced ? ', fenced' : ''}`;
    field('leads').textContent = `${node.leaderOf} partition${node.leaderOf === 1 ? '' : 's'}`;
    field('rate').textContent = node.messagesInPerSec === undefined ? '–' : `${fmt(node.messagesInPerSec)} records`;
    field('faults').textContent = node.faults;
    field('pid').textContent = node.pid ?? '–';
    field('error').textContent = node.reachable ? '' : node.error ?? '';
    const allowed = ALLOWED[node.state] ?? [];
    for (const button of card.buttons) button.disabled = pending.has(node.id) || !allowed.includes(button.dataset.action);
  }
}

async function act(id, action, body) {
  pending.add(id);
  for (const button of nodeCard(id).buttons) button.disabled = true;
  showResult(`node ${id}: ${action}…`, 'pending');
  try {
    const response = await fetch(`/api/nodes/${id}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const answer = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
    if (!response.ok) showResult(answer.error ?? `HTTP ${response.status}`, 'error');
    else {
      const unreachable = (answer.unreachable ?? []).map((u) => `node ${u.id} (${u.reason})`).join(', ');
      showResult(unreachable ? `${answer.message}; not told: ${unreachable}` : answer.message, 'ok');
    }
  } catch (e) {
    showResult(`node ${id}: ${action} failed: ${e.message}`, 'error');
  } finally {
    pending.delete(id);
  }
}

function showResult(text, kind) {
  const box = $('#action-result');
  box.textContent = text;
  box.dataset.kind = kind;
}

// ---- partitions ----------------------------------------------------------------------------

// Kafka's internal topics (__consumer_offsets) are many rows of little interest until asked for.
const isInternal = (topic) => topic.startsWith('__');
let lastSnapshot;

function renderPartitions(snapshot) {
  const body = $('#partitions tbody');
  const showInternal = $('#show-internal').checked;
  const rows = snapshot.partitions.filter((p) => showInternal || !isInternal(p.topic)).map((p) =>
    el(
      'tr',
      { 'data-partition': p.key, 'data-leader': p.leader, 'data-isr': p.isr.join(','), class: p.leader < 0 ? 'offline' : p.underReplicated ? 'under-replicated' : '' },
      el('td', {}, p.key),
      el('td', { 'data-field': 'leader' }, p.leader < 0 ? 'none' : String(p.leader)),
      el('td', {}, String(p.leaderEpoch)),
      el('td', {}, fmt(p.highWatermark)),
      el('td', { 'data-field': 'isr' }, `{${p.isr.join(',')}}`),
      el(
        'td',
        { class: 'replicas' },
        ...p.replicas.map((r) =>
          el(
            'span',
            { class: `replica${r.isLeader ? ' leader' : ''}${r.inIsr ? ' in-isr' : ' out-of-isr'}`, 'data-replica': r.id, title: r.inIsr ? 'in the ISR' : 'out of the ISR' },
            el('b', {}, String(r.id)),
            ` ${fmt(r.logEndOffset)}`,
            r.lag ? el('small', {}, ` −${fmt(r.lag)}`) : null,
          ),
        ),
      ),
    ),
  );
  body.replaceChildren(...rows);
  $('#no-partitions').hidden = rows.length > 0;
}

// The same toggle hides the timeline's events about internal topics (a stylesheet rule).
$('#show-internal').addEventListener('change', () => {
  document.body.classList.toggle('show-internal', $('#show-internal').checked);
  if (lastSnapshot) renderPartitions(lastSnapshot);
});

// ---- charts --------------------------------------------------------------------------------

function makeChart(id, seriesLabels) {
  const box = document.getElementById(id);
  const data = [[], ...seriesLabels.map(() => [])];
  const plot = new uPlot(
    {
      width: Math.max(280, box.clientWidth - 8),
      height: 180,
      legend: { live: false },
      scales: { x: { time: true } },
      axes: [{ values: (_, ticks) => ticks.map(clockOf) }, { size: 60 }],
      series: [{}, ...seriesLabels.map((label, i) => ({ label, stroke: COLOURS[i % COLOURS.length], width: 1.5, spanGaps: false }))],
    },
    data,
    box,
  );
  return { plot, data, labels: [...seriesLabels] };
}

const charts = {};

/** A series per label, added the first time the label appears (a new node, a new group). */
function ensureSeries(chart, label) {
  let index = chart.labels.indexOf(label);
  if (index >= 0) return index + 1;
  chart.labels.push(label);
  index = chart.labels.length;
  chart.data.push(chart.data[0].map(() => null));
  chart.plot.addSeries({ label, stroke: COLOURS[(index - 1) % COLOURS.length], width: 1.5 }, index);
  return index;
}

function pushPoint(chart, atSeconds, values) {
  const row = new Array(chart.labels.length).fill(null);
  for (const [label, value] of Object.entries(values)) row[ensureSeries(chart, label) - 1] = value ?? null;
  while (row.length < chart.labels.length) row.push(null);
  chart.data[0].push(atSeconds);
  chart.labels.forEach((_, i) => chart.data[i + 1].push(row[i] ?? null));
  if (chart.data[0].length > HISTORY_POINTS) for (const series of chart.data) series.shift();
  chart.plot.setData(chart.data);
}

function renderCharts(snapshot) {
  const rates = snapshot.rates;
  if (!rates || typeof uPlot === 'undefined') return;
  charts.messages ??= makeChart('chart-messages', ['cluster']);
  charts.bytes ??= makeChart('chart-bytes', ['cluster']);
  charts.lag ??= makeChart('chart-lag', []);
  const at = rates.atMs / 1000;
  const perNode = Object.fromEntries(rates.nodes.map((n) => [`node ${n.id}`, n.messagesInPerSec]));
  pushPoint(charts.messages, at, { cluster: rates.messagesInPerSec, ...perNode });
  pushPoint(charts.bytes, at, { cluster: rates.bytesOutPerSec });
  pushPoint(charts.lag, at, rates.groupLag);
}

window.addEventListener('resize', () => {
  for (const chart of Object.values(charts)) {
    const box = chart.plot.root.parentNode;
    chart.plot.setSize({ width: Math.max(280, box.clientWidth - 8), height: 180 });
  }
});

// ---- timeline ------------------------------------------------------------------------------

const seenEvents = new Set();

function addEvents(events) {
  const list = $('#timeline');
  for (const e of events) {
    const key = `${e.atMs}|${e.node}|${e.kind}|${e.text}`;
    if (seenEvents.has(key)) continue;
    seenEvents.add(key);
    const time = `${clockOf(e.atMs / 1000)}.${String(e.atMs % 1000).padStart(3, '0')}`;
    list.prepend(
      el('li', { 'data-kind': e.kind, 'data-node': e.node, 'data-internal': isInternal(String(e.fields.topic ?? e.text)), title: e.line }, el('time', {}, time), el('span', { class: 'event-node' }, `node ${e.node}`), el('span', { class: 'kind' }, e.kind), el('span', {}, e.text)),
    );
  }
  while (list.children.length > MAX_TIMELINE) list.lastChild.remove();
  $('#no-events').hidden = list.children.length > 0;
  $('#internal-events').textContent = String(list.querySelectorAll('li[data-internal]').length);
}

// ---- the stream ----------------------------------------------------------------------------

function render(snapshot) {
  lastSnapshot = snapshot;
  $('#controller').textContent = snapshot.activeController ?? 'none';
  $('#term').textContent = snapshot.raftTerm ?? '–';
  $('#profile').textContent = snapshot.profile;
  $('#run-dir').textContent = snapshot.runDir;
  const cuts = $('#network-partitions');
  cuts.hidden = snapshot.networkPartitions.length === 0;
  cuts.textContent = `network partitions: ${snapshot.networkPartitions.join('; ')}`;
  renderNodes(snapshot);
  renderPartitions(snapshot);
  renderCharts(snapshot);
  document.body.dataset.updatedAt = String(snapshot.takenAtMs);
}

function connect() {
  const status = $('#connection');
  const stream = new EventSource('/events-stream');
  stream.addEventListener('open', () => {
    status.dataset.connected = 'true';
    status.textContent = 'live';
  });
  stream.addEventListener('error', () => {
    // EventSource reconnects by itself; the page keeps the last picture meanwhile.
    status.dataset.connected = 'false';
    status.textContent = 'reconnecting…';
  });
  stream.addEventListener('snapshot', (m) => {
    const snapshot = JSON.parse(m.data);
    render(snapshot);
    status.textContent = `live · ${new Date(snapshot.takenAtMs).toLocaleTimeString('en-GB', { hour12: false })}`;
  });
  stream.addEventListener('events', (m) => addEvents(JSON.parse(m.data)));
  stream.addEventListener('problem', (m) => {
    status.textContent = `sampling failed: ${JSON.parse(m.data).message}`;
  });
}

connect();
