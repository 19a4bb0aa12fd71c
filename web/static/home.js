// The home page: YASGUI pointed at the app's /sparql, with the project's prefixes,
// completion from the app's ontology (no third-party service), the saved queries,
// links from result IRIs to entity pages, downloads and charts.
// Every request goes to the page's own origin.
(function () {
  "use strict";

  var root = document.getElementById("yasgui");
  var settings = root.dataset;
  var ENDPOINT = new URL(settings.endpoint, location.href).href;
  var MINTED = "https://w3id.org/pmkg/id/";
  var ENTITY_BASE = settings.entityBase || "/id/";
  var EXAMPLE = "SELECT ?graph (COUNT(*) AS ?triples)\nWHERE { GRAPH ?graph { ?s ?p ?o } }\nGROUP BY ?graph\nORDER BY ?graph\n";
  var CHART_TYPES = ["bar", "line", "pie", "doughnut"];

  var state = { yasgui: null, terms: { classes: [], properties: [] }, opened: null, chart: null };

  function getJson(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) {
        throw new Error(url + " answered " + response.status);
      }
      return response.json();
    });
  }

  function prefixLines(prefixes) {
    return Object.keys(prefixes).map(function (name) {
      return "PREFIX " + name + ": <" + prefixes[name] + ">\n";
    }).join("");
  }

  // Completion of classes and properties from /ontology/terms.json: an IRI matches
  // when it starts with what was typed (prefixes expanded) or its label or local
  // name contains the typed local part.
  function completer(group) {
    return function (yasqe, token) {
      var typed = (token.autocompletionString || "").toLowerCase();
      var local = token.string.slice(token.string.indexOf(":") + 1).replace(/^</, "").toLowerCase();
      var found = state.terms[group].filter(function (term) {
        var iri = term.iri.toLowerCase();
        var name = iri.slice(Math.max(iri.lastIndexOf("#"), iri.lastIndexOf("/")) + 1);
        return iri.indexOf(typed) === 0 ||
          (local.length > 0 && (name.indexOf(local) >= 0 || term.label.toLowerCase().indexOf(local) >= 0));
      });
      return Promise.resolve(found.map(function (term) { return term.iri; }));
    };
  }

  function configureLibrary(Yasgui, prefixes) {
    var Yasqe = Yasgui.Yasqe;
    Yasqe.forkAutocompleter("class", { name: "pmkgClass", get: completer("classes") }, false);
    Yasqe.forkAutocompleter("property", { name: "pmkgProperty", get: completer("properties") }, false);
    // The built-in class and property completers call a third-party service: not used.
    Yasqe.defaults.autocompleters.splice(0, Yasqe.defaults.autocompleters.length,
      "variables", "prefixes", "pmkgClass", "pmkgProperty");
    // The prefix completer reads {prefix: namespace} from this URL instead of its bundled list.
    Yasqe.defaults.prefixCcApi = new URL(settings.prefixes, location.href).href;
    Yasqe.defaults.value = prefixLines(prefixes) + "\n" + EXAMPLE;
    Yasgui.Yasr.plugins.table.defaults.openIriInNewWindow = false;
    // The keyboard alone must be able to leave the editor: Tab and Shift-Tab move the focus
    // (CodeMirror's own advice) instead of indenting, and the page does not start in the editor.
    Yasqe.defaults.extraKeys = Object.assign({}, Yasqe.defaults.extraKeys, { Tab: false, "Shift-Tab": false });
    Yasqe.defaults.autofocus = false;
    Yasgui.defaults.autofocus = false;
  }

  function createYasgui(prefixes) {
    var Yasgui = window.Yasgui;
    configureLibrary(Yasgui, prefixes);
    var yasgui = new Yasgui(root, {
      requestConfig: { endpoint: ENDPOINT, method: "POST" },
      copyEndpointOnNewTab: true,
      persistenceId: "pmkg-yasgui",
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: ENDPOINT }]; } },
    });
    // A tab restored from an earlier visit may point elsewhere: this page queries its own endpoint.
    Object.keys(yasgui._tabs).forEach(function (id) {
      var tab = yasgui.getTab(id);
      if (tab && tab.getEndpoint() !== ENDPOINT) {
        tab.setEndpoint(ENDPOINT);
      }
    });
    yasgui.on("queryResponse", function (instance, tab) { showResults(tab); });
    accessible(root);
    watchLinks();
    return yasgui;
  }

  // IRIs the project mints (https://w3id.org/pmkg/id/...) are served by this app at /id/...
  function entityHref(iri) {
    return iri.indexOf(MINTED) === 0 ? ENTITY_BASE + iri.slice(MINTED.length) : null;
  }

  function relink(scope) {
    var anchors = scope.querySelectorAll ? scope.querySelectorAll("a.iri") : [];
    Array.prototype.forEach.call(anchors, function (anchor) {
      var local = entityHref(anchor.getAttribute("href") || "");
      if (local) {
        anchor.setAttribute("href", local);
        anchor.setAttribute("title", anchor.textContent);
        anchor.classList.add("entity");
        anchor.removeAttribute("target");
      }
    });
  }

  // What YASGUI leaves out for screen readers and the keyboard: names for its editor and
  // endpoint box, a focusable scrolling editor, and only tabs inside its tab list.
  function accessible(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll(".CodeMirror textarea"), function (area) {
      area.setAttribute("aria-label", "SPARQL query");
    });
    Array.prototype.forEach.call(scope.querySelectorAll("input.autocomplete"), function (input) {
      input.setAttribute("aria-label", "SPARQL endpoint");
    });
    Array.prototype.forEach.call(scope.querySelectorAll(".CodeMirror-scroll"), function (box) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("aria-label", "SPARQL query (scrolls)");
    });
    Array.prototype.forEach.call(scope.querySelectorAll(".tabsList > [role=presentation]"), function (item) {
      if (!item.querySelector("[role=tab]")) {   // the "add a tab" button is no tab: move it after the list
        item.parentNode.parentNode.insertBefore(item, item.parentNode.nextSibling);
        item.classList.add("add-tab");
      }
    });
  }

  function watchLinks() {
    relink(root);
    new MutationObserver(function (records) {
      accessible(root);
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          if (node.nodeType === 1) {
            relink(node);
          }
        });
      });
    }).observe(root, { childList: true, subtree: true });
  }

  function showResults(tab) {
    var query = tab.getQuery();
    var kind = tab.getYasqe().getQueryType() || "SELECT";
    showDownloads(query, kind);
    var opened = state.opened;
    var saved = opened && opened.tabId === tab.getId() && same(opened.saved.query, query) ? opened.saved : null;
    // YASR takes the response after this event: draw once it has.
    setTimeout(function () { drawChart(saved, tab.getYasr().results); }, 0);
  }

  // The saved query is still the one in the editor (whitespace aside).
  function same(one, other) {
    return String(one).replace(/\s+/g, " ").trim() === String(other).replace(/\s+/g, " ").trim();
  }

  function showDownloads(query, kind) {
    var graph = kind === "CONSTRUCT" || kind === "DESCRIBE";
    var formats = graph ? [["Turtle", "turtle", "ttl"], ["JSON-LD", "jsonld", "jsonld"]]
      : kind === "ASK" ? [["JSON", "json", "json"]]
      : [["CSV", "csv", "csv"], ["JSON", "json", "json"]];
    var holder = document.getElementById("download-links");
    holder.textContent = "";
    formats.forEach(function (format) {
      var link = document.createElement("a");
      var params = { query: query, format: format[1] };
      if (format[1] === "csv") {
        params.download = "spreadsheet";   // formula-like cells neutralised for spreadsheets
      }
      link.href = ENDPOINT + "?" + new URLSearchParams(params).toString();
      link.download = "results." + format[2];
      link.textContent = format[0];
      link.className = "download";
      link.dataset.format = format[1];
      holder.appendChild(link);
    });
    document.getElementById("downloads").hidden = false;
  }

  // A saved query's chart: a string (the chart type) or an object with type, x
  // (the variable of the labels) and y (the variable of the numbers), all optional.
  function chartSpec(saved) {
    var chart = saved && saved.chart;
    if (!chart) {
      return null;
    }
    return typeof chart === "string" ? { type: chart } : chart;
  }

  function display(term) {
    if (!term) {
      return "";
    }
    if (term.type === "uri") {
      var value = term.value;
      return decodeURIComponent(value.slice(Math.max(value.lastIndexOf("#"), value.lastIndexOf("/")) + 1)) || value;
    }
    return term.value;
  }

  function drawChart(saved, results) {
    var box = document.getElementById("chart-box");
    if (state.chart) {
      state.chart.destroy();
      state.chart = null;
    }
    box.hidden = true;
    var spec = chartSpec(saved);
    var bindings = results && results.getBindings ? results.getBindings() : null;
    if (!spec || !bindings || !bindings.length || !window.Chart) {
      return;
    }
    var names = results.getVariables();
    var x = spec.x || spec.label || names[0];
    var y = spec.y || spec.value || names.filter(function (name) {
      return name !== x && bindings.every(function (row) { return row[name] && !isNaN(Number(row[name].value)); });
    })[0];
    if (!y) {
      return;
    }
    if (spec.type === "timeline") {
      drawTimeline(spec, saved, bindings, x, spec.y || names[1]);
      return;
    }
    var type = CHART_TYPES.indexOf(spec.type) >= 0 ? spec.type : "bar";
    document.getElementById("chart-title").textContent = spec.title || saved.summary || saved.name;
    box.hidden = false;
    state.chart = new window.Chart(document.getElementById("chart"), {
      type: type,
      data: {
        labels: bindings.map(function (row) { return display(row[x]); }),
        datasets: [{ label: y, data: bindings.map(function (row) { return Number(row[y] ? row[y].value : 0); }) }],
      },
      options: { animation: false, responsive: true, plugins: { legend: { display: type === "pie" || type === "doughnut" } } },
    });
  }

  // A timeline: one point per dated row, days along x, one line per kind of event along y.
  function drawTimeline(spec, saved, bindings, x, y) {
    var DAY = 86400000;
    var kinds = [];
    var points = [];
    bindings.forEach(function (row) {
      var when = row[x] ? Date.parse(row[x].value.slice(0, 10)) : NaN;
      if (isNaN(when)) {
        return;
      }
      var label = display(row[y]);
      var date = row[x].value.slice(0, 10);
      // One point per event: the same outcome reported by several articles is drawn once.
      if (points.some(function (p) { return p.date === date && p.label === label; })) {
        return;
      }
      if (kinds.indexOf(label) < 0) {
        kinds.push(label);
      }
      points.push({ x: when / DAY, y: kinds.indexOf(label), label: label, date: date });
    });
    if (!points.length) {
      return;
    }
    var day = function (value) { return new Date(value * DAY).toISOString().slice(0, 10); };
    document.getElementById("chart-title").textContent = spec.title || saved.summary || saved.name;
    document.getElementById("chart-box").hidden = false;
    state.chart = new window.Chart(document.getElementById("chart"), {
      type: "scatter",
      data: { datasets: [{ label: y, data: points, pointRadius: 6 }] },
      options: {
        animation: false,
        responsive: true,
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (item) { return item.raw.date + ": " + item.raw.label; } } },
        },
        scales: {
          x: { type: "linear", ticks: { callback: day } },
          y: { type: "linear", min: -0.5, max: kinds.length - 0.5,
               ticks: { stepSize: 1, callback: function (value) { return kinds[value] || ""; } } },
        },
      },
    });
  }

  function openSaved(saved) {
    var tab = state.yasgui.getTab();
    tab.setQuery(saved.query);
    tab.setName(saved.name);
    state.opened = { tabId: tab.getId(), saved: saved };
    tab.query();
  }

  function renderSaved(list) {
    var holder = document.getElementById("saved-list");
    var status = document.getElementById("saved-status");
    holder.textContent = "";
    list.forEach(function (saved) {
      var item = document.createElement("li");
      item.className = "saved-query";
      item.dataset.name = saved.name;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = saved.name;
      button.title = "Open in the editor and run";
      button.addEventListener("click", function () { openSaved(saved); });
      item.appendChild(button);
      var summary = document.createElement("p");
      summary.textContent = saved.summary || "";
      item.appendChild(summary);
      if (saved.tags && saved.tags.length) {
        var tags = document.createElement("p");
        tags.className = "tags";
        tags.textContent = [].concat(saved.tags).join(", ");
        item.appendChild(tags);
      }
      if (saved.url) {
        var page = document.createElement("a");
        page.href = saved.url;
        page.textContent = "about this query";
        item.appendChild(page);
      }
      holder.appendChild(item);
    });
    status.textContent = list.length ? "" : "No saved queries.";
    status.hidden = list.length > 0;
  }

  function loadSaved() {
    var status = document.getElementById("saved-status");
    if (!settings.savedQueries) {
      status.textContent = "The saved queries are not served by this version of the app.";
      return Promise.resolve();
    }
    return getJson(settings.savedQueries).then(function (data) {
      renderSaved(Array.isArray(data) ? data : data.queries || []);
    }).catch(function (error) {
      status.textContent = "Could not load the saved queries: " + error.message;
    });
  }

  function start() {
    if (!window.Yasgui) {
      return;
    }
    Promise.all([
      getJson(settings.prefixes),
      getJson(settings.terms).catch(function () { return { classes: [], properties: [] }; }),
    ]).then(function (loaded) {
      state.terms = loaded[1];
      state.yasgui = createYasgui(loaded[0]);
      document.body.dataset.ready = "yes";
      return loadSaved();
    }).catch(function (error) {
      root.textContent = "The editor could not start: " + error.message;
    });
  }

  start();
})();
