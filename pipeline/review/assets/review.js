// keikaku review page: renders the data block once; filters hide and show what was rendered.
// Corrections are kept in memory and downloaded as corrections.csv (keikaku ingest --corrections).
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("review-data").textContent);
  const $ = (id) => document.getElementById(id);
  const docs = new Map(DATA.documents.map((d) => [d.doc_id, d]));
  const corrections = new Map(); // item id -> {column, value, note}
  const CORR_COLUMNS = ["doc_id", "sha256", "table", "row_key", "column", "value", "note"];
  const MARKS = { e: "●", n: "○", "": "" };
  const STATUS_OF = { e: "existing", n: "new", "": "none" };

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }
  function docName(docId) {
    const d = docs.get(docId);
    return d ? d.source_file : docId ? docId : "(run)";
  }

  // --- documents and filters -------------------------------------------------------------------
  function renderDocuments() {
    const rows = DATA.documents.map((d) => {
      const rows = Object.entries(d.rows).map(([t, n]) => `${esc(t)} ${n}`).join(", ");
      const codes = Object.entries(d.codes).map(([c, n]) => `<span class="code">${esc(c)}</span> ${n}`).join(" ");
      return `<tr class="doc" data-doc="${esc(d.doc_id)}"><td>${esc(d.source_file)}<br><small>${esc(d.doc_id)}</small></td>` +
        `<td class="status-${esc(d.status)}">${esc(d.status)}</td><td>${esc(d.error_code)}${d.error_message ? ": " + esc(d.error_message) : ""}</td>` +
        `<td>${rows}</td><td>${codes}</td><td class="nocrop">${esc(d.source_problem)}</td></tr>`;
    });
    document.querySelector("#doc-table tbody").innerHTML = rows.join("");
    document.querySelector("#doc-table tbody").addEventListener("click", (e) => {
      const tr = e.target.closest("tr.doc");
      if (tr) { $("f-doc").value = tr.dataset.doc; applyFilters(); $("items-section").scrollIntoView(); }
    });
  }

  function fillSelect(select, values, label) {
    select.insertAdjacentHTML("beforeend", values.map((v) => `<option value="${esc(v)}">${esc(label ? label(v) : v)}</option>`).join(""));
  }

  function renderFilters() {
    const docIds = DATA.documents.map((d) => d.doc_id);
    fillSelect($("f-doc"), docIds, docName);
    const tables = new Set(), codes = new Set();
    DATA.items.forEach((it) => { tables.add(it.table); it.codes.forEach((c) => codes.add(c)); });
    if (DATA.matrices.length) tables.add("participation");
    if (DATA.series.length) tables.add("observations");
    fillSelect($("f-table"), [...tables].filter(Boolean).sort());
    fillSelect($("f-code"), [...codes].sort());
    ["f-doc", "f-table", "f-code"].forEach((id) => $(id).addEventListener("change", applyFilters));
  }

  // --- doubtful values ---------------------------------------------------------------------------
  function itemHtml(it) {
    const where = [it.table, it.row_key, it.page ? `page ${it.page}` : "", it.lines ? `lines ${it.lines[0]}–${it.lines[1]}` : "",
      it.rows > 1 ? `${it.rows} rows` : ""].filter(Boolean).map(esc).join(" · ");
    const codes = it.codes.map((c) => `<span class="code">${esc(c)}</span>`).join(" ");
    let left = "";
    if (it.crop) left = `<div class="crop"><img loading="lazy" alt="page ${esc(it.page)} of ${esc(docName(it.doc_id))}" src="${esc(it.crop)}"></div>`;
    else if (it.text) left = linesHtml(it.text);
    if (it.crop_problem) left += `<p class="nocrop">${esc(it.crop_problem)}</p>`;
    else if (!left) left = `<p class="nocrop">${it.page ? "no bbox or lines recorded" : "about the document or table as a whole"}</p>`;
    const messages = `<ul class="messages">${it.messages.map((m) => `<li>${esc(m)}</li>`).join("")}</ul>`;
    const fields = it.row ? `<table class="fields">${Object.entries(it.row).filter(([, v]) => v !== "")
      .map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join("")}</table>` : "";
    return `<article class="item sev-${esc(it.severity)}" tabindex="-1" id="item-${it.id}" data-id="${it.id}">` +
      `<div class="head"><strong>${esc(docName(it.doc_id))}</strong> ${codes} <span class="where">${where}</span></div>` +
      `<div>${left}</div><div>${messages}${fields}${it.row ? fixHtml(it) : ""}</div></article>`;
  }

  function linesHtml(text) {
    const lines = text.lines.map((line, i) => {
      const no = text.first + i, mark = no >= text.start && no <= text.end;
      return `<span class="${mark ? "mark" : ""}"><span class="no">${no}</span>${esc(line)}</span>`;
    });
    const more = text.more ? `<span class="no">… ${text.more} more line${text.more === 1 ? "" : "s"}</span>` : "";
    return `<pre class="lines">${lines.join("")}${more}</pre>`;
  }

  function fixHtml(it) {
    const cols = DATA.columns[it.table] || [];
    const select = `<select class="column">${cols.map((c) => `<option>${esc(c.name)}</option>`).join("")}</select>`;
    const column = cols.length ? cols[0].name : "", current = it.row[column] == null ? "" : it.row[column];
    return `<div class="fix">Correct ${select} <span class="opts">${optionsHtml(it, column)}</span>` +
      `<input class="value" placeholder="value" aria-label="value" value="${esc(current)}"> <input class="note" placeholder="note" aria-label="note">` +
      `<button type="button" class="clear">clear</button></div>`;
  }

  function columnSpec(it, name) {
    return (DATA.columns[it.table] || []).find((c) => c.name === name) || { name, options: [] };
  }

  // What the data says of each value a cell could take: the one read (and its confidence), the
  // mark printed before recovery.
  function optionNote(it, column, option) {
    const notes = [];
    if (option === it.row[column] && it.row.confidence) notes.push(`read, confidence ${it.row.confidence}`);
    if (it.table === "participation" && column === "status" && "observed_mark" in it.row) {
      const printed = { "●": "existing", "○": "new" }[it.row.observed_mark] || "none";
      if (printed === option) notes.push("printed");
    }
    return notes.length ? ` <small>(${esc(notes.join(", "))})</small>` : "";
  }

  function optionsHtml(it, column) {
    const current = it.row[column] == null ? "" : it.row[column];
    return columnSpec(it, column).options.map((o, i) => `<label><input type="radio" name="opt-${it.id}" value="${esc(o)}"` +
      `${o === current ? " checked" : ""}> ${i + 1} ${esc(o)}${optionNote(it, column, o)}</label>`).join("");
  }

  function showOptions(article, it) {
    const column = article.querySelector("select.column").value;
    article.querySelector(".opts").innerHTML = optionsHtml(it, column);
    article.querySelector("input.value").value = it.row[column] == null ? "" : it.row[column];
  }

  function setCorrection(article, it) {
    const column = article.querySelector("select.column").value;
    const value = article.querySelector("input.value").value;
    const note = article.querySelector("input.note").value;
    const current = it.row[column] == null ? "" : it.row[column];
    const fix = article.querySelector(".fix");
    if (value === current && !note) { corrections.delete(it.id); fix.classList.remove("changed"); }
    else { corrections.set(it.id, { column, value, note }); fix.classList.add("changed"); }
    updateCount();
    markGrid(it);
  }

  function renderItems() {
    const box = $("items");
    box.innerHTML = DATA.items.map(itemHtml).join("");
    ITEM_ELS = Array.from(box.children);
    box.addEventListener("change", (e) => {
      const article = e.target.closest(".item"); if (!article) return;
      const it = DATA.items[+article.dataset.id];
      if (e.target.matches("select.column")) { showOptions(article, it); setCorrection(article, it); }
      else if (e.target.matches("input[type=radio]")) { article.querySelector("input.value").value = e.target.value; setCorrection(article, it); }
      else if (e.target.matches("input.value, input.note")) setCorrection(article, it);
    });
    box.addEventListener("input", (e) => {
      const article = e.target.closest(".item");
      if (article && e.target.matches("input.value, input.note")) setCorrection(article, DATA.items[+article.dataset.id]);
    });
    box.addEventListener("click", (e) => {
      const article = e.target.closest(".item"); if (!article) return;
      current = ITEM_ELS.indexOf(article);
      if (e.target.matches("button.clear")) clearItem(article);
    });
  }
  let ITEM_ELS = [];

  function clearItem(article) {
    const it = DATA.items[+article.dataset.id];
    if (!it.row) return;
    article.querySelector("input.note").value = "";
    showOptions(article, it);
    setCorrection(article, it);
  }

  function pick(article, n) {
    const radios = article.querySelectorAll("input[type=radio]");
    if (n >= 1 && n <= radios.length) { radios[n - 1].checked = true; radios[n - 1].dispatchEvent(new Event("change", { bubbles: true })); }
  }

  // --- matrices and series -------------------------------------------------------------------------
  const itemByKey = new Map();
  function keyOf(doc, table, key) { return `${doc}|${table}|${key}`; }

  function matrixHtml(m, index) {
    const head = `<tr><th>No</th><th>project</th>${m.members.map((n) => `<th class="member">${esc(n)}</th>`).join("")}</tr>`;
    const rows = m.rows.map((r) => `<tr><td>${esc(r.number)}</td><td class="name" title="${esc(r.name)}">${esc(r.name)}</td>` +
      r.cells.map((c, j) => {
        const doubt = c.endsWith("?"), mark = MARKS[c.replace("?", "")];
        const key = JSON.stringify({ matrix: m.matrix, project_row: r.row, municipality_code: m.codes[j] });
        const item = itemByKey.get(keyOf(m.doc_id, "participation", key));
        const attrs = item !== undefined ? ` data-item="${item}" class="${doubt ? "doubt" : ""}"` : doubt ? ' class="doubt"' : "";
        return `<td${attrs}>${mark}</td>`;
      }).join("") + "</tr>");
    const crop = m.crop ? `<div class="crop"><img loading="lazy" alt="matrix ${m.matrix} page ${esc(m.page)}" src="${esc(m.crop)}"></div>` :
      m.crop_problem ? `<p class="nocrop">${esc(m.crop_problem)}</p>` : "";
    return `<div class="matrix" data-index="${index}"><div class="head"><strong>${esc(docName(m.doc_id))}</strong> matrix ${m.matrix}` +
      `${m.page ? ` · page ${esc(m.page)}` : ""} · ${m.rows.length} projects × ${m.members.length} members` +
      ` · ● existing ○ new, yellow: doubtful (click to go to it)</div>` +
      `<div class="body"><div class="grid"><table>${head}${rows.join("")}</table></div>${crop}</div></div>`;
  }

  function renderMatrices() {
    DATA.items.forEach((it) => { if (it.row) itemByKey.set(keyOf(it.doc_id, it.table, it.row_key), it.id); });
    $("matrices").innerHTML = DATA.matrices.map(matrixHtml).join("");
    $("matrices").addEventListener("click", (e) => {
      const td = e.target.closest("td[data-item]");
      if (td) focusItem(ITEM_ELS.indexOf($(`item-${td.dataset.item}`)));
    });
  }

  function markGrid(it) {
    const td = document.querySelector(`td[data-item="${it.id}"]`);
    if (!td) return;
    const fix = corrections.get(it.id);
    td.classList.toggle("fixed", !!fix);
    if (fix && fix.column === "status") td.textContent = MARKS[Object.keys(STATUS_OF).find((k) => STATUS_OF[k] === fix.value)] || "?";
  }

  function seriesHtml(s) {
    const w = 240, h = 70, pad = 4, lo = Math.min(...s.values), hi = Math.max(...s.values), span = hi - lo || 1;
    const pts = s.values.map((v, i) => `${(pad + (i * (w - 2 * pad)) / (s.values.length - 1)).toFixed(1)},${(h - pad - ((v - lo) * (h - 2 * pad)) / span).toFixed(1)}`);
    return `<div class="series${s.jump ? " jump" : ""}" data-doc="${esc(s.doc_id)}"><div class="title">${esc(s.title)} › <b>${esc(s.series)}</b>` +
      `${s.jump ? ' <span class="badge">jump</span>' : ""}</div>` +
      `<svg width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(s.series)}"><polyline fill="none" stroke="#3b7dd8" stroke-width="1.5" points="${pts.join(" ")}"/>` +
      pts.map((p) => `<circle r="2" cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" fill="#3b7dd8"/>`).join("") + `</svg>` +
      `<div>${esc(s.periods[0])} … ${esc(s.periods[s.periods.length - 1])} · ${esc(lo)} – ${esc(hi)} ${esc(s.unit)}</div></div>`;
  }

  // --- filters (no re-render: visibility only) -------------------------------------------------
  function applyFilters() {
    const doc = $("f-doc").value, table = $("f-table").value, code = $("f-code").value;
    let shown = 0;
    ITEM_ELS.forEach((el) => {
      const it = DATA.items[+el.dataset.id];
      const ok = (!doc || it.doc_id === doc) && (!table || it.table === table) && (!code || it.codes.includes(code));
      el.hidden = !ok;
      if (ok) shown += 1;
    });
    document.querySelectorAll("#matrices .matrix").forEach((el) => {
      const m = DATA.matrices[+el.dataset.index];
      el.hidden = !((!doc || m.doc_id === doc) && (!table || table === "participation") && (!code || hasCode(m.doc_id, "participation", code)));
    });
    document.querySelectorAll("#series .series").forEach((el) => {
      el.hidden = !((!doc || el.dataset.doc === doc) && (!table || table === "observations") && !code);
    });
    document.querySelectorAll("#doc-table tr.doc").forEach((tr) => { tr.hidden = !!doc && tr.dataset.doc !== doc; });
    $("shown").textContent = `${shown} of ${ITEM_ELS.length} values shown`;
    $("items-count").textContent = `(${shown})`;
  }
  function hasCode(docId, table, code) {
    return DATA.items.some((it) => it.doc_id === docId && it.table === table && it.codes.includes(code));
  }

  // --- corrections.csv ---------------------------------------------------------------------------
  function updateCount() { $("corr-count").textContent = `${corrections.size} correction${corrections.size === 1 ? "" : "s"}`; }

  function csvCell(text) { return `"${String(text).replace(/"/g, '""')}"`; }

  function correctionsCsv() {
    const lines = [CORR_COLUMNS.join(",")];
    [...corrections.keys()].sort((a, b) => a - b).forEach((id) => {
      const it = DATA.items[id], fix = corrections.get(id), d = docs.get(it.doc_id) || {};
      lines.push([it.doc_id, d.sha256 || "", it.table, it.row_key, fix.column, fix.value, fix.note].map(csvCell).join(","));
    });
    return lines.join("\r\n") + "\r\n";
  }

  function download() {
    const blob = new Blob([correctionsCsv()], { type: "text/csv;charset=utf-8" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "corrections.csv";
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  // --- keyboard ------------------------------------------------------------------------------------
  let current = -1;
  function focusItem(index) {
    if (index < 0 || index >= ITEM_ELS.length) return;
    ITEM_ELS.forEach((el) => el.classList.remove("current"));
    current = index;
    const el = ITEM_ELS[index];
    el.classList.add("current");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "center" });
  }
  function step(direction) {
    for (let i = current + direction; i >= 0 && i < ITEM_ELS.length; i += direction) {
      if (!ITEM_ELS[i].hidden) { focusItem(i); return; }
    }
  }
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const typing = e.target.matches("input, select, textarea");
    if (typing) { if (e.key === "Escape") e.target.blur(); return; }
    const article = current >= 0 ? ITEM_ELS[current] : null;
    if (e.key === "j" || e.key === "ArrowDown") { step(1); e.preventDefault(); }
    else if (e.key === "k" || e.key === "ArrowUp") { step(-1); e.preventDefault(); }
    else if (e.key === "/") { $("f-doc").focus(); e.preventDefault(); }
    else if (e.key === "d") download();
    else if (article && /^[1-9]$/.test(e.key)) pick(article, +e.key);
    else if (article && e.key === "0") clearItem(article);
    else if (article && e.key === "e") { const input = article.querySelector("input.value"); if (input) { input.focus(); e.preventDefault(); } }
  });

  renderDocuments();
  renderFilters();
  renderItems();
  renderMatrices();
  $("series").innerHTML = DATA.series.map(seriesHtml).join("");
  $("download").addEventListener("click", download);
  applyFilters();
  document.body.dataset.ready = "true";
})();
