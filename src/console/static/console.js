// The Strata console's page: sign-in, one tab per database connection, a query editor, results
// and the Cluster Explorer. Plain DOM, no framework. Every value from the server is put into the
// page as text (textContent, never innerHTML), so a value that looks like HTML stays a value.

const $ = (id) => document.getElementById(id);
const ROW_CAP_NOTE = (n) => `Showing the first ${n.toLocaleString('en-US')} rows: the query was stopped there (the console keeps at most 10,000 rows per statement, or less when a run's results grow past 64 MiB).`;

/** Per connection: its editor text and last results, kept while the page is open. */
const tabs = new Map();
let current = null;

async function api(path, body) {
  const response = await fetch(path, {
    method: body === undefined ? 'GET' : 'POST',
    credentials: 'same-origin',
    headers: { 'X-Strata-Console': '1', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let value = null;
  try { value = await response.json(); } catch { value = { error: { message: `HTTP ${response.status}` } }; }
  if (!response.ok) {
    const error = new Error(value?.error?.message ?? `HTTP ${response.status}`);
    error.fields = value?.error ?? {};
    error.status = response.status;
    throw error;
  }
  return value;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// ---- connections and tabs ----

function showSignIn(show) {
  $('sign-in').hidden = !show;
  $('workspace').hidden = show || current === null;
  $('sign-in-cancel').hidden = !(show && tabs.size > 0);
  if (show) $('token').focus();
}

function renderTabs() {
  const nav = $('tabs');
  nav.replaceChildren();
  for (const [id, tab] of tabs) {
    const button = el('button', 'tab', tab.connection.user);
    button.type = 'button';
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-selected', String(id === current));
    const state = tab.connection.transactionStatus;
    if (state !== 'I') button.append(el('span', 'state', state === 'T' ? '(in transaction)' : '(failed transaction)'));
    button.addEventListener('click', () => select(id));
    nav.append(button);
  }
  $('add-connection').hidden = tabs.size === 0;
  $('sign-out').hidden = tabs.size === 0;
}

function select(id) {
  if (current !== null && tabs.has(current)) tabs.get(current).sql = $('editor').value;
  current = id;
  const tab = tabs.get(id);
  $('editor').value = tab.sql;
  $('position').textContent = '';
  $('results').replaceChildren(...tab.resultNodes);
  showTransaction(tab.connection.transactionStatus);
  renderTabs();
  showSignIn(false);
  renderExplorer(tab.explorer);
  if (tab.explorer === null) refreshExplorer();
}

function addTab(connection) {
  tabs.set(connection.id, { connection, sql: tabs.size === 0 ? 'SELECT 1;' : '', resultNodes: [], explorer: null });
  select(connection.id);
}

function dropTab(id, message) {
  tabs.delete(id);
  current = null;
  if (tabs.size > 0) select(tabs.keys().next().value);
  else { renderTabs(); showSignIn(true); }
  if (message) showSignInError({ message });
}

function showTransaction(state) {
  const node = $('transaction');
  node.className = `transaction${state === 'T' ? ' open' : state === 'E' ? ' failed' : ''}`;
  node.textContent = state === 'T' ? 'in a transaction (COMMIT or ROLLBACK to end it)'
    : state === 'E' ? 'transaction failed: ROLLBACK to go on' : 'autocommit';
  const tab = tabs.get(current);
  if (tab) tab.connection.transactionStatus = state;
}

function showSignInError(fields) {
  const box = $('sign-in-error');
  box.replaceChildren(...errorLines(fields));
  box.hidden = false;
}

async function signIn(event) {
  event.preventDefault();
  $('sign-in-error').hidden = true;
  $('sign-in-button').disabled = true;
  try {
    const answer = await api('/api/sign-in', { user: $('user').value, token: $('token').value });
    $('token').value = '';
    addTab(answer.connection);
  } catch (error) {
    showSignInError(error.fields ?? { message: error.message });
  } finally {
    $('sign-in-button').disabled = false;
  }
}

// ---- running SQL ----

let running = false;

function setRunning(on) {
  running = on;
  $('run').disabled = on;
  $('cancel').disabled = !on;
  $('status').textContent = on ? 'running…' : '';
}

async function run() {
  if (running || current === null) return;
  const id = current;
  const tab = tabs.get(id);
  tab.sql = $('editor').value;
  $('position').textContent = '';
  setRunning(true);
  try {
    const outcome = await api('/api/run', { connectionId: id, sql: tab.sql });
    tab.resultNodes = renderRun(outcome, tab.sql);
    showTransaction(outcome.transactionStatus);
    renderTabs();
  } catch (error) {
    tab.resultNodes = [errorBox(error.fields ?? { message: error.message })];
    if (error.status === 410 || error.status === 404 || error.status === 401) dropTab(id, error.message);
  } finally {
    setRunning(false);
  }
  if (current === id) $('results').replaceChildren(...tab.resultNodes);
}

async function cancel() {
  if (!running || current === null) return;
  $('status').textContent = 'cancelling…';
  try { await api('/api/cancel', { connectionId: current }); } catch (error) { $('status').textContent = error.message; }
}

function renderRun(outcome, text) {
  const nodes = outcome.statements.map((statement) => renderStatement(statement, text));
  if (outcome.statements.length === 0) nodes.push(el('div', 'skipped', 'Nothing to run.'));
  if (outcome.skipped > 0) nodes.push(el('div', 'skipped', `${outcome.skipped} statement(s) after the error were not run.`));
  return nodes;
}

function renderStatement(statement, text) {
  const box = el('section', 'result');
  const head = el('div', 'result-head');
  head.append(el('span', 'sql', statement.sql.replace(/\s+/g, ' ')));
  const tag = statement.error ? 'ERROR'
    : statement.truncated ? `first ${statement.rows.length.toLocaleString('en-US')} rows`
    : statement.commandTag ?? (statement.columns ? '' : 'empty query');
  head.append(el('span', 'tag', tag), el('span', 'elapsed', `${statement.elapsedMs.toFixed(1)} ms`));
  box.append(head);
  for (const notice of statement.notices) {
    box.append(el('div', 'notice', `${notice.severity}: ${notice.message}${notice.detail ? `\nDETAIL: ${notice.detail}` : ''}${notice.hint ? `\nHINT: ${notice.hint}` : ''}`));
  }
  if (statement.truncated) box.append(el('div', 'note', ROW_CAP_NOTE(statement.rows.length)));
  if (statement.columns) box.append(grid(statement));
  if (statement.error) {
    box.append(errorBox(statement.error, statement.errorIndex === null ? null : { text, index: statement.errorIndex }));
    if (statement.errorIndex !== null) markPosition(text, statement.errorIndex);
  }
  return box;
}

function grid(statement) {
  const wrap = el('div', 'grid');
  const table = el('table');
  const headRow = el('tr');
  headRow.append(el('th', 'rownum', '#'));
  for (const column of statement.columns) {
    const th = el('th', null, column.name);
    th.append(el('span', 'type', column.type));
    headRow.append(th);
  }
  const thead = el('thead');
  thead.append(headRow);
  const tbody = el('tbody');
  statement.rows.forEach((row, i) => {
    const tr = el('tr');
    tr.append(el('td', 'rownum', i + 1));
    for (const cell of row) {
      const td = cell === null ? el('td', 'null', 'NULL') : el('td', null, cell);
      if (cell !== null) td.title = cell.length > 60 ? cell.slice(0, 2000) : '';
      tr.append(td);
    }
    tbody.append(tr);
  });
  table.append(thead, tbody);
  wrap.append(table);
  return wrap;
}

function errorLines(fields, at) {
  const lines = [];
  const first = el('div');
  if (fields.code) first.append(el('span', 'code', `${fields.severity ?? 'ERROR'} ${fields.code}: `));
  first.append(document.createTextNode(fields.message ?? 'error'));
  lines.push(first);
  if (fields.detail) lines.push(el('div', null, `DETAIL: ${fields.detail}`));
  if (fields.hint) lines.push(el('div', null, `HINT: ${fields.hint}`));
  if (fields.where) lines.push(el('div', null, `CONTEXT: ${fields.where}`));
  if (at) lines.push(el('div', null, caretLine(at.text, at.index)));
  return lines;
}

function errorBox(fields, at = null) {
  const box = el('div', 'error-box');
  box.setAttribute('role', 'alert');
  box.append(...errorLines(fields, at));
  return box;
}

/** psql's "LINE n: …" with a caret under the error's character. */
function caretLine(text, index) {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const lineEnd = text.indexOf('\n', index);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const number = text.slice(0, lineStart).split('\n').length;
  const prefix = `LINE ${number}: `;
  return `${prefix}${line}\n${' '.repeat(prefix.length + index - lineStart)}^`;
}

/** Selects the error's character in the editor, so it shows where the error is. */
function markPosition(text, index) {
  const editor = $('editor');
  if (editor.value !== text) return;
  editor.focus();
  editor.setSelectionRange(index, Math.min(text.length, index + 1));
  $('position').textContent = caretLine(text, index);
}

// ---- Cluster Explorer ----

async function refreshExplorer() {
  if (current === null) return;
  const id = current;
  const tab = tabs.get(id);
  try {
    tab.explorer = await api('/api/explorer', { connectionId: id });
  } catch (error) {
    tab.explorer = { error: error.message };
  }
  if (current === id) renderExplorer(tab.explorer);
}

function renderExplorer(tree) {
  const root = $('explorer');
  root.replaceChildren();
  if (tree === null) { root.append(el('div', 'warning', 'reading the catalog…')); return; }
  if (tree.error) { root.append(el('div', 'warning', tree.error)); return; }
  for (const schema of tree.schemas) {
    const node = el('details');
    node.open = schema.name === 'public' || tree.schemas.length <= 3;
    node.append(el('summary', null, schema.name));
    if (schema.relations.length === 0) node.append(el('div', 'item kind', 'no tables'));
    for (const relation of schema.relations) node.append(relationNode(schema.name, relation));
    root.append(node);
  }
  for (const warning of tree.warnings) root.append(el('div', 'warning', warning));
  if (tree.truncated) root.append(el('div', 'warning', 'The catalog has more than 10,000 rows: some objects are not shown.'));
}

function relationNode(schema, relation) {
  const node = el('details');
  const summary = el('summary', null, relation.name);
  summary.append(el('span', 'kind', relation.kind));
  summary.title = 'Double-click to put a SELECT in the editor';
  summary.addEventListener('dblclick', () => {
    $('editor').value = `SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(relation.name)} LIMIT 100;`;
  });
  node.append(summary);
  for (const column of relation.columns) {
    const item = el('div', 'item');
    item.append(el('span', column.primaryKey ? 'pk' : null, column.name), el('span', 'kind', `${column.type}${column.nullable ? '' : ' not null'}${column.primaryKey ? ' primary key' : ''}`));
    node.append(item);
  }
  for (const index of relation.indexes) {
    const item = el('div', 'item');
    item.title = index.definition;
    item.append(el('span', null, `⚡ ${index.name}`), el('span', 'kind', index.buildStatus === null ? 'index' : `index, build ${index.buildStatus}`));
    node.append(item);
  }
  return node;
}

function quoteIdent(name) {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}

// ---- start ----

async function start() {
  $('sign-in-form').addEventListener('submit', signIn);
  $('sign-in-cancel').addEventListener('click', () => showSignIn(false));
  $('add-connection').addEventListener('click', () => { $('workspace').hidden = true; showSignIn(true); });
  $('run').addEventListener('click', run);
  $('cancel').addEventListener('click', cancel);
  $('refresh-explorer').addEventListener('click', refreshExplorer);
  $('editor').addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') { event.preventDefault(); run(); }
  });
  $('disconnect').addEventListener('click', async () => {
    const id = current;
    try { await api('/api/disconnect', { connectionId: id }); } catch { /* gone already */ }
    dropTab(id, null);
  });
  $('sign-out').addEventListener('click', async () => {
    try { await api('/api/sign-out', {}); } catch { /* signed out anyway */ }
    tabs.clear();
    current = null;
    renderTabs();
    showSignIn(true);
  });
  try {
    const { connections } = await api('/api/connections');
    for (const connection of connections) tabs.set(connection.id, { connection, sql: '', resultNodes: [], explorer: null });
  } catch { /* not signed in */ }
  if (tabs.size > 0) select(tabs.keys().next().value);
  else showSignIn(true);
}

start();
