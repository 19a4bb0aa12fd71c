// Sorting and paging for the saved queries' result tables (table[data-sortable]).
// Served from the app itself (CSP script-src 'self'); the table works without it, all rows shown.
// A header is a button: Enter or Space sorts by it, again reverses the order; aria-sort says which.
// More rows than data-page-size are shown a page at a time, with Previous and Next.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    return cell ? cell.textContent.trim() : "";
  }

  function compare(a, b, numeric) {
    if (a === "" || b === "") { return a === b ? 0 : (a === "" ? 1 : -1); }   // empty cells last
    if (numeric) { return parseFloat(a) - parseFloat(b); }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function setup(table) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var size = parseInt(table.getAttribute("data-page-size") || "0", 10) || rows.length;
    var page = 0;
    var pager = null;
    var status = null;
    var previous = null;
    var next = null;

    function show() {
      var pages = Math.max(1, Math.ceil(rows.length / size));
      page = Math.min(Math.max(page, 0), pages - 1);
      rows.forEach(function (row, i) { row.hidden = Math.floor(i / size) !== page; });
      if (pager) {
        var first = page * size + 1;
        var last = Math.min(rows.length, first + size - 1);
        status.textContent = "Rows " + first + " to " + last + " of " + rows.length;
        previous.disabled = page === 0;
        next.disabled = page === pages - 1;
      }
    }

    var headers = Array.prototype.slice.call(table.tHead ? table.tHead.rows[0].cells : []);
    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = th.classList.contains("number");
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var order = compare(cellValue(a, index), cellValue(b, index), numeric);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        page = 0;
        show();
      });
    });

    if (rows.length > size) {
      pager = document.createElement("nav");
      pager.className = "pager";
      pager.setAttribute("aria-label", "Result pages");
      previous = document.createElement("button");
      previous.type = "button";
      previous.textContent = "Previous";
      next = document.createElement("button");
      next.type = "button";
      next.textContent = "Next";
      status = document.createElement("span");
      status.className = "pager-status";
      status.setAttribute("aria-live", "polite");
      previous.addEventListener("click", function () { page -= 1; show(); });
      next.addEventListener("click", function () { page += 1; show(); });
      pager.appendChild(previous);
      pager.appendChild(status);
      pager.appendChild(next);
      var wrap = table.closest(".table-wrap") || table;
      wrap.parentNode.insertBefore(pager, wrap.nextSibling);
    }
    table.setAttribute("data-ready", "yes");
    show();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
