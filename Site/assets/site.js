// Marginalia site behaviour: search, identifier tooltips, notes beside their lines, sortable and
// filterable tables, the theme toggle. No network: everything loads from files next to the page.
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "./";

  // ---- Theme toggle -------------------------------------------------------------------------
  var toggle = document.querySelector(".theme-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var html = document.documentElement;
      var current = html.getAttribute("data-theme") ||
        (window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
      var next = current === "dark" ? "light" : "dark";
      html.setAttribute("data-theme", next);
      try { window.localStorage.setItem("marginalia-theme", next); } catch (e) { /* ignore */ }
      layoutNotes();
    });
  }

  // ---- Search ---------------------------------------------------------------------------------
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var items = null;      // [kind, label, detail, url, labelLower, detailLower]
  var loading = false;
  var active = -1;
  var shown = [];
  var kindRank = { kernel: 0, "class": 1, "function": 2, method: 2, torch_op: 3, device_function: 3, file: 5, note: 6, tour: 7, article: 7 };

  function loadIndex() {
    if (items || loading) return;
    if (window.MARGINALIA_SEARCH) { prepare(); return; }
    loading = true;
    var s = document.createElement("script");
    s.src = root + "assets/search-index.js";
    s.onload = function () { loading = false; prepare(); search(); };
    s.onerror = function () { loading = false; showMessage("The search index could not be loaded."); };
    document.head.appendChild(s);
  }

  function prepare() {
    var raw = (window.MARGINALIA_SEARCH && window.MARGINALIA_SEARCH.items) || [];
    items = raw.map(function (it) { return [it[0], it[1], it[2], it[3], it[1].toLowerCase(), (it[2] || "").toLowerCase()]; });
  }

  function score(it, terms, whole) {
    var label = it[4], detail = it[5];
    var s;
    if (label === whole) s = 0;
    else if (label.indexOf(whole) === 0) s = 1;
    else if (label.indexOf(whole) >= 0) s = 2;
    else if (detail.indexOf(whole) >= 0) s = 3;
    else s = 4;
    for (var i = 0; i < terms.length; i++) {
      if (label.indexOf(terms[i]) < 0 && detail.indexOf(terms[i]) < 0) return -1;
    }
    return s;
  }

  function search() {
    if (!input) return;
    var q = input.value.trim().toLowerCase();
    if (!q) { close(); return; }
    if (!items) { loadIndex(); showMessage("Loading the index…"); return; }
    var terms = q.split(/\s+/);
    var found = [];
    for (var i = 0; i < items.length; i++) {
      var sc = score(items[i], terms, q);
      if (sc >= 0) found.push([sc, items[i]]);
    }
    found.sort(function (a, b) {
      if (a[0] !== b[0]) return a[0] - b[0];
      var ra = kindRank[a[1][0]] === undefined ? 4 : kindRank[a[1][0]];
      var rb = kindRank[b[1][0]] === undefined ? 4 : kindRank[b[1][0]];
      if (ra !== rb) return ra - rb;
      if (a[1][1].length !== b[1][1].length) return a[1][1].length - b[1][1].length;
      return a[1][2] < b[1][2] ? -1 : a[1][2] > b[1][2] ? 1 : 0;
    });
    shown = found.slice(0, 40).map(function (f) { return f[1]; });
    render();
  }

  function showMessage(text) {
    list.textContent = "";
    var li = document.createElement("li");
    li.className = "none";
    li.textContent = text;
    list.appendChild(li);
    open();
  }

  function render() {
    list.textContent = "";
    active = shown.length ? 0 : -1;
    if (!shown.length) { showMessage("No match."); return; }
    shown.forEach(function (it, i) {
      var li = document.createElement("li");
      li.id = "sr-" + i;
      li.setAttribute("role", "option");
      var a = document.createElement("a");
      a.href = root + it[3];
      a.tabIndex = -1;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = it[0];
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = it[1];
      var detail = document.createElement("span");
      detail.className = "detail";
      detail.textContent = it[2].length > 160 ? it[2].slice(0, 159) + "…" : it[2];
      a.appendChild(kind); a.appendChild(label); a.appendChild(detail);
      li.appendChild(a);
      li.addEventListener("mousemove", function () { setActive(i); });
      list.appendChild(li);
    });
    setActive(0);
    open();
  }

  function setActive(i) {
    var lis = list.querySelectorAll("li[role=option]");
    if (!lis.length) return;
    active = (i + lis.length) % lis.length;
    for (var k = 0; k < lis.length; k++) lis[k].setAttribute("aria-selected", k === active ? "true" : "false");
    input.setAttribute("aria-activedescendant", "sr-" + active);
    lis[active].scrollIntoView({ block: "nearest" });
  }

  function open() { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
  function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); }

  if (input && list) {
    input.addEventListener("focus", loadIndex);
    input.addEventListener("input", search);
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden) search(); else setActive(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); setActive(active - 1); }
      else if (e.key === "Enter") {
        var a = active >= 0 && list.querySelector("#sr-" + active + " a");
        if (a) { e.preventDefault(); window.location.href = a.href; }
      } else if (e.key === "Escape") { close(); }
    });
    document.addEventListener("click", function (e) { if (!e.target.closest || !e.target.closest(".search")) close(); });
    document.addEventListener("keydown", function (e) {
      var t = e.target && e.target.tagName;
      if (e.key === "/" && t !== "INPUT" && t !== "TEXTAREA" && !e.ctrlKey && !e.metaKey) { e.preventDefault(); input.focus(); }
    });
  }

  // ---- Identifier tooltips (hover and keyboard focus) -----------------------------------------
  var tip = document.getElementById("tooltip");
  function showTip(a) {
    var id = a.getAttribute("aria-describedby");
    var def = id && document.getElementById(id);
    if (!def || !tip) return;
    tip.textContent = "";
    var kind = document.createElement("span");
    kind.className = "tt-kind";
    kind.textContent = def.getAttribute("data-kind");
    var name = document.createElement("b");
    name.textContent = def.querySelector("b").textContent;
    tip.appendChild(kind); tip.appendChild(name);
    var sigText = def.querySelector("i").textContent;
    if (sigText) {
      var sig = document.createElement("span");
      sig.className = "tt-sig";
      sig.textContent = sigText;
      tip.appendChild(sig);
    }
    var r = a.getBoundingClientRect();
    tip.hidden = false;
    tip.style.left = Math.max(4, Math.min(window.scrollX + r.left, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8)) + "px";
    tip.style.top = (window.scrollY + r.bottom + 4) + "px";
  }
  function hideTip() { if (tip) tip.hidden = true; }
  document.addEventListener("mouseover", function (e) { var a = e.target.closest && e.target.closest("a.r"); if (a) showTip(a); });
  document.addEventListener("mouseout", function (e) { var a = e.target.closest && e.target.closest("a.r"); if (a) hideTip(); });
  document.addEventListener("focusin", function (e) { if (e.target.matches && e.target.matches("a.r")) showTip(e.target); });
  document.addEventListener("focusout", function (e) { if (e.target.matches && e.target.matches("a.r")) hideTip(); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") hideTip(); });

  // ---- Notes level with their lines -----------------------------------------------------------
  function layoutNotes() {
    var wide = !window.matchMedia || window.matchMedia("(min-width: 72.01rem)").matches;
    var codes = document.querySelectorAll(".source.with-notes .code");
    for (var c = 0; c < codes.length; c++) {
      var code = codes[c];
      var notes = Array.prototype.slice.call(code.querySelectorAll("aside.note"));
      if (!wide) {
        notes.forEach(function (n) { n.style.top = ""; });
        code.style.minHeight = "";
        continue;
      }
      notes.sort(function (a, b) { return (+a.getAttribute("data-start")) - (+b.getAttribute("data-start")); });
      var bottom = -Infinity;  // the previous note's bottom: notes keep 6px apart
      var origin = code.getBoundingClientRect().top + code.clientTop;
      notes.forEach(function (n) {
        var line = document.getElementById("L" + n.getAttribute("data-start"));
        var top = line ? line.getBoundingClientRect().top - origin : n.offsetTop;
        if (top < bottom + 6) top = bottom + 6;
        n.style.top = top + "px";
        bottom = top + n.offsetHeight;
      });
      code.style.minHeight = bottom > 0 ? (bottom + 8) + "px" : "";  // room for the last note
    }
  }
  layoutNotes();
  window.addEventListener("load", layoutNotes);
  window.addEventListener("resize", layoutNotes);
  document.addEventListener("toggle", layoutNotes, true);

  // ---- Sortable and filterable tables ---------------------------------------------------------
  function cellKey(row, i) {
    var cell = row.cells[i];
    if (!cell) return "";
    var s = cell.getAttribute("data-sort");
    return s !== null ? s : cell.textContent.trim();
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, i) {
      var button = th.querySelector("button.sort");
      if (!button) return;
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a, i), y = cellKey(b, i);
          var nx = parseFloat(x), ny = parseFloat(y);
          var r = (!isNaN(nx) && !isNaN(ny) && String(nx) === x && String(ny) === y) ? nx - ny : x.localeCompare(y);
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.table-filter"), function (box) {
    var table = document.getElementById(box.getAttribute("data-table"));
    var count = box.parentNode.querySelector(".filter-count");
    function apply() {
      var terms = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      var rows = table.tBodies[0].rows, visible = 0;
      for (var i = 0; i < rows.length; i++) {
        var text = rows[i].textContent.toLowerCase();
        var ok = terms.every(function (t) { return text.indexOf(t) >= 0; });
        rows[i].hidden = !ok;
        if (ok) visible++;
      }
      if (count) count.textContent = terms.length ? visible + " of " + rows.length : "";
    }
    box.addEventListener("input", apply);
    apply();
  });
})();
