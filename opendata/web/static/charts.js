/* opendata portal: draw the chart views a resource declares (opendata.chartspec).
 *
 * Each <figure class="chart" data-chart="…"> names its rows on the row API (pinned to the
 * page's version); the rows are read page by page, summed per x and series, drawn with the
 * app's own copy of Apache ECharts (no request leaves the site), and listed in a table beside
 * the chart. PNG and SVG downloads are made in the browser. Without JavaScript the figure says
 * so and links the table view.
 */
(function () {
  "use strict";

  var MAX_PAGES = 100;
  var TEXT = {
    zh: { loading: "正在读取数据…", failed: "图表数据读取失败：", png: "下载 PNG", svg: "下载 SVG",
          total: "合计", rows: "行数", empty: "没有可绘制的数据。" },
    en: { loading: "Loading data…", failed: "Could not read the chart data: ", png: "Download PNG",
          svg: "Download SVG", total: "Total", rows: "Rows", empty: "No data to draw." }
  };

  function fieldName(spec) { return spec.split(":")[0]; }
  function fieldPart(spec) { return spec.split(":")[1] || ""; }

  function xValue(specs, row) {
    return specs.map(function (spec, i) {
      var v = row[fieldName(spec)];
      if (v === null || v === undefined) { return "—"; }
      var part = fieldPart(spec);
      if (part === "year") { return String(v).slice(0, 4); }
      if (part === "month") { return String(v).slice(0, 7); }
      // 2021-3 → 2021-03: later parts of a composite x are months or days
      return i > 0 && typeof v === "number" && v < 100 ? String(v).padStart(2, "0") : String(v);
    }).join("-");
  }

  function list(value) { return value === undefined || value === null ? [] : [].concat(value); }

  function fetchAll(url, rows, pages) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.json();
    }).then(function (body) {
      Array.prototype.push.apply(rows, body.rows);
      if (body.next_url && pages < MAX_PAGES) {
        var next = new URL(body.next_url);
        return fetchAll(next.pathname + next.search, rows, pages + 1);
      }
      return rows;
    });
  }

  function layerUrl(fig, chart, layer) {
    var res = layer.resource || chart.resource;
    var params = new URLSearchParams();
    params.set("version", fig.dataset.version);
    params.set("_size", "1000");
    var filter = layer.filter || chart.filter || {};
    Object.keys(filter).forEach(function (k) { params.append(k, filter[k]); });
    var wanted = list(chart.x).map(fieldName).concat(list(chart.series));
    list(chart.y).forEach(function (y) { if (y !== "_count") { wanted.push(y); } });
    params.set("fields", Array.from(new Set(wanted)).join(","));
    return "/api/v1/datasets/" + fig.dataset.dataset + "/resources/" + res + "/rows?" + params;
  }

  /* {xs: [...], series: [{name, values: {x: sum}}]} */
  function aggregate(chart, layers, lang) {
    var xs = [];
    var seen = {};
    var series = {};
    var order = [];
    var ys = list(chart.y);
    layers.forEach(function (layer) {
      var label = lang === "en" ? (layer.label_en || layer.label) : layer.label;
      layer.rows.forEach(function (row) {
        var x = xValue(list(chart.x), row);
        if (!seen[x]) { seen[x] = true; xs.push(x); }
        ys.forEach(function (y) {
          var parts = [];
          if (label) { parts.push(label); }
          if (chart.series) { parts.push(String(row[chart.series])); }
          if (ys.length > 1 || !parts.length) { parts.push(y === "_count" ? TEXT[lang].rows : (chart.titles[y] || y)); }
          var name = parts.join(" ");
          if (!series[name]) { series[name] = {}; order.push(name); }
          var add = y === "_count" ? 1 : Number(row[y] || 0);
          series[name][x] = (series[name][x] || 0) + add;
        });
      });
    });
    var xSpecs = list(chart.x);
    if (xSpecs.length > 1 || fieldPart(xSpecs[0])) { xs.sort(); }  // periods in time order
    return { xs: xs, series: order.map(function (n) { return { name: n, values: series[n] }; }) };
  }

  function option(chart, data, fig) {
    var stacked = !!chart.stack;
    return {
      animation: false,
      backgroundColor: "#fff",
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 20, right: 20, top: 64, bottom: 20, containLabel: true },
      xAxis: { type: "category", data: data.xs, axisLabel: { rotate: data.xs.length > 8 ? 40 : 0 } },
      yAxis: { type: "value", name: fig.dataset.unit || "" },
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: chart.kind || "bar",
          stack: stacked ? "all" : undefined,
          data: data.xs.map(function (x) { return s.values[x] === undefined ? 0 : s.values[x]; })
        };
      })
    };
  }

  function number(v, lang) {
    return Number(v).toLocaleString(lang === "en" ? "en" : "zh-CN", { maximumFractionDigits: 2 });
  }

  function dataTable(data, fig, lang) {
    var table = document.createElement("table");
    table.className = "chart-data";
    var cap = document.createElement("caption");
    cap.textContent = fig.querySelector("figcaption").textContent;
    table.appendChild(cap);
    var head = table.createTHead().insertRow();
    var th = document.createElement("th");
    th.scope = "col";
    th.textContent = fig.dataset.xlabel || "";
    head.appendChild(th);
    data.series.forEach(function (s) {
      var c = document.createElement("th");
      c.scope = "col";
      c.className = "num";
      c.textContent = s.name;
      head.appendChild(c);
    });
    var body = table.createTBody();
    data.xs.forEach(function (x) {
      var tr = body.insertRow();
      var h = document.createElement("th");
      h.scope = "row";
      h.textContent = x;
      tr.appendChild(h);
      data.series.forEach(function (s) {
        var td = tr.insertCell();
        td.className = "num";
        td.textContent = s.values[x] === undefined ? "" : number(s.values[x], lang);
      });
    });
    return table;
  }

  function download(href, name) {
    var a = document.createElement("a");
    a.href = href;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
  }

  function svgOf(opt, width, height) {
    var box = document.createElement("div");
    box.style.cssText = "position:absolute;left:-10000px;width:" + width + "px;height:" + height + "px";
    document.body.appendChild(box);
    var svgChart = window.echarts.init(box, null, { renderer: "svg", width: width, height: height });
    svgChart.setOption(opt);
    var url = svgChart.getDataURL({ type: "svg" });
    svgChart.dispose();
    box.remove();
    return url;
  }

  function draw(fig) {
    var chart = JSON.parse(fig.dataset.chart);
    var lang = fig.dataset.lang === "en" ? "en" : "zh";
    var status = fig.querySelector(".chart-status");
    var canvas = fig.querySelector(".chart-canvas");
    status.textContent = TEXT[lang].loading;
    var layers = chart.layers && chart.layers.length ? chart.layers : [{}];
    Promise.all(layers.map(function (layer) {
      return fetchAll(layerUrl(fig, chart, layer), [], 1).then(function (rows) {
        return Object.assign({}, layer, { rows: rows });
      });
    })).then(function (filled) {
      var data = aggregate(chart, filled, lang);
      if (!data.xs.length) { status.textContent = TEXT[lang].empty; return; }
      status.textContent = "";
      var opt = option(chart, data, fig);
      var instance = window.echarts.init(canvas, null, { renderer: "canvas" });
      instance.setOption(opt);
      window.addEventListener("resize", function () { instance.resize(); });
      fig.querySelector(".chart-table").appendChild(dataTable(data, fig, lang));
      var actions = fig.querySelector(".chart-actions");
      var name = fig.dataset.dataset + "-" + chart.name;
      [["png", TEXT[lang].png], ["svg", TEXT[lang].svg]].forEach(function (pair) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button";
        b.dataset.format = pair[0];
        b.textContent = pair[1];
        b.addEventListener("click", function () {
          if (pair[0] === "png") {
            download(instance.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }), name + ".png");
          } else {
            download(svgOf(opt, canvas.clientWidth || 800, canvas.clientHeight || 400), name + ".svg");
          }
        });
        actions.appendChild(b);
      });
      fig.classList.add("drawn");
    }).catch(function (err) {
      status.textContent = TEXT[lang].failed + err.message;
      fig.classList.add("failed");
    });
  }

  /* A chart reads its rows when it scrolls near the screen: a page with several charts does
     not read them all up front. */
  function start() {
    if (!window.echarts) { return; }
    var figures = document.querySelectorAll("figure.chart[data-chart]");
    if (!("IntersectionObserver" in window)) {
      Array.prototype.forEach.call(figures, draw);
      return;
    }
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) {
          observer.unobserve(entry.target);
          draw(entry.target);
        }
      });
    }, { rootMargin: "400px" });
    Array.prototype.forEach.call(figures, function (fig) { observer.observe(fig); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
