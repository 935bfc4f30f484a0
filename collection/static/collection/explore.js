/* The data explorer without reloads. The page is a plain GET form that works without JavaScript; here each
   change fetches the same page for the new choice, swaps the form and the results, keeps the focus where it was
   and puts the choice in the URL (history.pushState), and back and forward fetch the choice of their URL
   (popstate). The chart is drawn by Apache ECharts (vendor/echarts, served by the portal) from the JSON the page
   carries, and downloads as SVG or PNG. */
(function () {
  "use strict";
  const root = document.querySelector("[data-explorer]");
  if (!root) return;
  const form = root.querySelector("[data-explorer-form]");
  const COLOURS = ["#1e4f91", "#d97706", "#1c7c4a", "#b3261e", "#6b4fbb", "#0f8a9d", "#8a5a00", "#c2185b",
    "#5b6475", "#2e7dd7", "#7cb342", "#f4511e"];
  let chart = null;
  let pending = null;
  let timer = null;

  function formQuery() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value !== "") params.append(name, value);
    }
    return params.toString();
  }

  function number(v) {
    return v === null || v === undefined ? ".." : Number(v).toLocaleString("en", { maximumFractionDigits: 3 });
  }

  function option(spec, width, titled) {
    const narrow = width < 600;
    const bars = spec.type === "bar";
    const category = {
      type: "category", data: spec.x, inverse: bars,
      axisLabel: { hideOverlap: !bars, width: narrow ? 100 : 200, overflow: "truncate" },
    };
    const value = {
      type: "value", name: spec.unit, nameLocation: bars ? "middle" : "end", nameGap: bars ? 28 : 15,
      nameTextStyle: { align: bars ? "center" : "left" },
      axisLabel: { formatter: number },
    };
    // On the page the heading above names the chart; a downloaded chart carries its title and choice.
    const title = titled ? { text: spec.title, subtext: spec.subtitle, left: 0, top: 0, textStyle: { fontSize: 16 } } : { show: false };
    return {
      animation: false,
      backgroundColor: "#fff",
      color: COLOURS,
      aria: { enabled: true },
      title: title,
      tooltip: { trigger: "axis", valueFormatter: number, confine: true },
      legend: { type: titled ? "plain" : "scroll", bottom: 0, left: 0 },
      // A downloaded chart lays its whole legend out below the axis (some six names a line at 960 px).
      grid: {
        left: 8, right: bars ? 24 : 16, top: titled ? 76 : 28, containLabel: true,
        bottom: (bars ? 56 : 36) + (titled ? 26 * Math.ceil(spec.series.length / 6) : 0),
      },
      xAxis: bars ? value : category,
      yAxis: bars ? category : value,
      series: spec.series.map((s) => ({
        name: s.name, type: spec.type, data: s.data, symbolSize: 7, connectNulls: false,
        barMaxWidth: 28, emphasis: { focus: "series" },
      })),
    };
  }

  function chartSpec() {
    const data = document.getElementById("explorer-chart-data");
    const spec = data ? JSON.parse(data.textContent) : null;
    return spec && spec.series.length ? spec : null;
  }

  function barHeight(spec) {  // room for every category, however many partners were chosen
    return Math.max(320, spec.x.length * Math.max(20, 10 * spec.series.length) + 150);
  }

  function draw() {
    if (chart) { chart.dispose(); chart = null; }
    const holder = document.querySelector("[data-chart]");
    const spec = chartSpec();
    if (!holder || !spec || !window.echarts) return;
    if (spec.type === "bar") holder.style.height = barHeight(spec) + "px";
    chart = window.echarts.init(holder, null, { renderer: "svg" });
    chart.setOption(option(spec, holder.clientWidth, false));
    const tools = document.querySelector("[data-chart-downloads]");
    if (tools) tools.hidden = false;
  }

  function save(blob, name) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 1000);
  }

  function chartName(ext) {
    const table = new URLSearchParams(location.search).get("indicator") || "chart";
    return "ilms_" + table + "." + ext;
  }

  function downloadChart(kind) {
    // Drawn again off screen at a fixed size, with its title, so that every device downloads the same picture.
    const spec = chartSpec();
    if (!spec) return;
    const width = 960;
    const height = spec.type === "bar" ? barHeight(spec) + 60 : 560;
    const off = document.createElement("div");
    off.style.cssText = "position:absolute;left:-10000px;top:0;width:" + width + "px;height:" + height + "px";
    document.body.appendChild(off);
    const picture = window.echarts.init(off, null, { renderer: "svg", width: width, height: height });
    picture.setOption(option(spec, width, true));
    const svg = picture.renderToSVGString();
    picture.dispose();
    off.remove();
    if (kind === "svg") { save(new Blob([svg], { type: "image/svg+xml" }), chartName("svg")); return; }
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement("canvas");
      canvas.width = width * 2;
      canvas.height = height * 2;
      const context = canvas.getContext("2d");
      context.fillStyle = "#fff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob((blob) => save(blob, chartName("png")), "image/png");
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  }

  function counts() {
    form.querySelectorAll("fieldset[data-choice]").forEach((set) => {
      const boxes = set.querySelectorAll("input[type=checkbox]");
      const ticked = set.querySelectorAll("input[type=checkbox]:checked").length;
      const out = set.querySelector("[data-count]");
      if (out) out.textContent = "(" + ticked + " of " + boxes.length + ")";
    });
  }

  function enhance() {
    form.querySelectorAll("fieldset[data-choice]").forEach((set) => {
      if (set.querySelector(".choice-tools")) return;
      const tools = document.createElement("div");
      tools.className = "choice-tools";
      for (const [text, on] of [["Select all", true], ["Clear", false]]) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "linklike";
        button.textContent = text;
        button.setAttribute("aria-label", text + ": " + set.querySelector("legend").firstChild.textContent.trim());
        button.addEventListener("click", () => {
          set.querySelectorAll("input[type=checkbox]").forEach((box) => {
            if (!box.closest("label").hidden) box.checked = on;
          });
          changed();
        });
        tools.appendChild(button);
      }
      set.querySelector("legend").after(tools);
      if (set.classList.contains("partner")) {  // a list of some 250 countries: find one by typing
        const id = "find-" + set.dataset.choice;
        const label = document.createElement("label");
        label.htmlFor = id;
        label.className = "visually-hidden";
        label.textContent = "Find in " + set.querySelector("legend").firstChild.textContent.trim();
        const find = document.createElement("input");
        find.type = "search";
        find.id = id;
        find.placeholder = "Find a country…";
        find.dataset.filter = "";
        find.addEventListener("input", () => {
          const words = find.value.trim().toLowerCase();
          set.querySelectorAll("label.option").forEach((option) => {
            option.hidden = words !== "" && !option.textContent.toLowerCase().includes(words);
          });
        });
        tools.after(label, find);
      }
    });
    counts();
  }

  function focusKey(element) {
    if (!element || !form.contains(element)) return null;
    if (element.id) return "#" + CSS.escape(element.id);
    if (element.name) return "[name='" + CSS.escape(element.name) + "'][value='" + CSS.escape(element.value) + "']";
    return null;
  }

  async function load(url, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    root.classList.add("busy");
    const focused = focusKey(document.activeElement);
    const scrolled = {};
    form.querySelectorAll("[data-choice] .options").forEach((o) => { scrolled[o.parentElement.dataset.choice] = o.scrollTop; });
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      form.querySelector("[data-form-fields]").replaceWith(page.querySelector("[data-form-fields]"));
      root.querySelector("[data-explorer-results]").replaceWith(page.querySelector("[data-explorer-results]"));
      document.title = page.title;
      if (push) history.pushState({ explore: true }, "", url);
      enhance();
      form.querySelectorAll("[data-choice] .options").forEach((o) => { o.scrollTop = scrolled[o.parentElement.dataset.choice] || 0; });
      const again = focused && form.querySelector(focused);
      if (again) again.focus({ preventScroll: true });
      draw();
    } catch (error) {
      if (error.name !== "AbortError") location.href = url;  // the plain page still works
    } finally {
      root.classList.remove("busy");
    }
  }

  function changed() {
    counts();
    clearTimeout(timer);
    timer = setTimeout(() => load(form.action.split("?")[0] + "?" + formQuery(), true), 250);
  }

  form.addEventListener("change", (event) => { if (!("filter" in event.target.dataset)) changed(); });
  form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); load(form.action.split("?")[0] + "?" + formQuery(), true); });
  root.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-explore-link]");
    if (link && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      load(link.href, true);
      return;
    }
    const button = event.target.closest("[data-chart-download]");
    if (button) downloadChart(button.dataset.chartDownload);
  });
  root.addEventListener("focusin", (event) => { if (event.target.matches("[data-share-link]")) event.target.select(); });
  window.addEventListener("popstate", () => load(location.href, false));
  let resized = null;
  window.addEventListener("resize", () => { clearTimeout(resized); resized = setTimeout(draw, 200); });
  history.replaceState({ explore: true }, "", location.href);
  enhance();
  draw();
})();
