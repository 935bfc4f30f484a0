// The browser grid: spreadsheet keys, pasting a block from Excel, live totals. No framework, no inline script.
(function () {
  "use strict";
  const form = document.querySelector("form[data-grid]");
  if (!form) return;
  const body = form.querySelector("tbody");
  const rows = Array.from(body.rows);
  const grid = rows.map((tr) => Array.from(tr.querySelectorAll("input")));
  const sums = Array.from(form.querySelectorAll("tfoot [data-sum]"));
  const totalRow = rows.findIndex((tr) => tr.dataset.total === "1");
  const width = sums.length;
  const sexes = width && grid[0] ? 3 : 0; // columns come in Total, Male, Female groups
  let dirty = false;

  function number(text) {
    const t = String(text).trim().replace(/[\s\u00a0]/g, "");
    if (t === "" || t === ".." || t === "-" || /^n\/?a\.?$/i.test(t)) return null;
    let n = t;
    if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(n)) n = n.replace(/,/g, "");
    else if (/^-?\d+,\d+$/.test(n)) n = n.replace(",", ".");
    const v = Number(n);
    return Number.isFinite(v) ? v : NaN;
  }
  const tolerance = (total) => Math.max(Math.abs(total) * 0.001, 0.1);
  const fmt = (v) => (Math.round(v * 10) / 10).toLocaleString(undefined, { maximumFractionDigits: 1 });

  function checkColumn(c) {
    let sum = 0, parts = 0;
    grid.forEach((cells, r) => {
      const v = number(cells[c].value);
      cells[c].classList.toggle("bad", Number.isNaN(v));
      if (r !== totalRow && v !== null && !Number.isNaN(v)) { sum += v; parts += 1; }
    });
    const cell = sums[c];
    cell.textContent = parts ? fmt(sum) : "";
    const total = totalRow >= 0 ? number(grid[totalRow][c].value) : null;
    const off = parts && total !== null && !Number.isNaN(total) && Math.abs(total - sum) > tolerance(total);
    cell.classList.toggle("mismatch", Boolean(off));
    if (totalRow >= 0) grid[totalRow][c].classList.toggle("mismatch", Boolean(off));
  }

  function checkSexes(r, c) {
    if (!sexes) return;
    const start = c - (c % sexes);
    const [t, m, f] = [0, 1, 2].map((i) => number(grid[r][start + i].value));
    const ok = t === null || m === null || f === null || [t, m, f].some(Number.isNaN) ||
      Math.abs(t - (m + f)) <= tolerance(t);
    grid[r][start].classList.toggle("sex-mismatch", !ok);
  }

  function refresh(r, c) { checkColumn(c); checkSexes(r, c); }

  function position(input) {
    for (let r = 0; r < grid.length; r++) {
      const c = grid[r].indexOf(input);
      if (c >= 0) return [r, c];
    }
    return null;
  }

  function move(r, c) {
    const target = grid[Math.max(0, Math.min(grid.length - 1, r))][Math.max(0, Math.min(width - 1, c))];
    target.focus();
    target.select();
  }

  body.addEventListener("input", (event) => {
    const at = position(event.target);
    if (at) { refresh(at[0], at[1]); markDirty(); }
  });

  body.addEventListener("keydown", (event) => {
    const at = position(event.target);
    if (!at) return;
    const [r, c] = at;
    const input = event.target;
    const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
    const atEnd = input.selectionStart === input.value.length;
    const whole = input.selectionStart === 0 && input.selectionEnd === input.value.length;
    if (event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey)) { move(r + 1, c); event.preventDefault(); }
    else if (event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey)) { move(r - 1, c); event.preventDefault(); }
    else if (event.key === "ArrowRight" && (atEnd || whole)) { move(r, c + 1); event.preventDefault(); }
    else if (event.key === "ArrowLeft" && (atStart || whole)) { move(r, c - 1); event.preventDefault(); }
  });

  body.addEventListener("paste", (event) => {
    const at = position(event.target);
    const text = (event.clipboardData || window.clipboardData).getData("text");
    if (!at || !/[\t\n]/.test(text.trim())) return; // one value: let the browser paste it
    event.preventDefault();
    const lines = text.replace(/\r/g, "").replace(/\n$/, "").split("\n");
    const touched = new Set();
    lines.forEach((line, i) => {
      line.split("\t").forEach((value, j) => {
        const r = at[0] + i, c = at[1] + j;
        if (r < grid.length && c < width) { grid[r][c].value = value.trim(); touched.add(c); checkSexes(r, c); }
      });
    });
    touched.forEach(checkColumn);
    markDirty();
  });

  function markDirty() {
    if (dirty) return;
    dirty = true;
    const note = form.querySelector("[data-dirty-note]");
    if (note) note.hidden = false;
  }
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => { if (dirty) { event.preventDefault(); event.returnValue = ""; } });

  const switcher = document.getElementById("table-switch");
  if (switcher) switcher.addEventListener("change", () => {
    window.location.href = switcher.dataset.url.replace("INDICATOR", switcher.value);
  });

  // Open on the year to fill (the first one still empty): scroll it to just right of the sticky columns.
  const scroller = form.querySelector("[data-grid-scroll]");
  const fillYear = form.querySelector("th[data-fill-year]");
  if (scroller && fillYear) {
    const inView = Array.from(form.querySelectorAll("thead .sticky-code, thead .sticky-label"))
      .filter((th) => getComputedStyle(th).position === "sticky") // a phone keeps only the category
      .reduce((width, th) => width + th.offsetWidth, 0);
    const box = scroller.getBoundingClientRect(); // (offsetLeft would count from the page: the header is sticky)
    const target = fillYear.getBoundingClientRect().left - box.left - scroller.clientLeft + scroller.scrollLeft - inView;
    if (scroller.scrollWidth > scroller.clientWidth && target > 0) { // wider than the screen: scroll to the year
      const short = target - (scroller.scrollWidth - scroller.clientWidth);
      if (short > 0) scroller.style.paddingRight = `${short}px`; // room for the last year to come next to them
      scroller.scrollLeft = target;
    }
  }

  for (let c = 0; c < width; c++) checkColumn(c);
  grid.forEach((cells, r) => { for (let c = 0; c < width; c += 3) checkSexes(r, c); });
})();
