// The online form, made nicer: live ratio and 5 % ceiling, rows sum, add/remove rows in place.
// Everything here also works without JavaScript (the server computes and re-renders).
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form) { return; }
  var limitPct = Number(form.getAttribute("data-limit-pct") || "5");
  var due = form.querySelector("[data-role=due]");
  var offset = form.querySelector("[data-role=offset]");
  var ratio = form.querySelector("[data-role=ratio]");
  var ratioLive = document.getElementById("ratio-live");
  var rowsLive = document.getElementById("rows-live");
  var rows = document.getElementById("ccer-rows");
  var ratioTyped = false;

  // Plain decimal text -> [digits as BigInt, scale]; null when not a plain number.
  function parse(text) {
    var t = String(text || "").replace(/[０-９]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/[,，\s]/g, "").replace(/(吨|tCO2e|t)$/i, "");
    if (!/^\d+(\.\d+)?$/.test(t)) { return null; }
    var parts = t.split(".");
    var frac = parts[1] || "";
    return { n: BigInt(parts[0] + frac), s: frac.length };
  }
  function show(n, s) {  // BigInt with scale -> text
    var neg = n < 0n; if (neg) { n = -n; }
    var str = n.toString().padStart(s + 1, "0");
    var out = s ? str.slice(0, str.length - s) + "." + str.slice(str.length - s) : str;
    return (neg ? "-" : "") + out;
  }
  function ratioOf(o, d, places) {  // o / d * 100 rounded half-up, exact
    var num = o.n * 100n * (10n ** BigInt(places)) * (10n ** BigInt(d.s));
    var den = d.n * (10n ** BigInt(o.s));
    return show((2n * num + den) / (2n * den), places);
  }
  function update() {
    var d = parse(due && due.value), o = parse(offset && offset.value);
    if (d && o && d.n > 0n) {
      var computed = ratioOf(o, d, 2);
      if (!ratioTyped) { ratio.value = computed; }
      // The ceiling: 5 % of the due allowance, exact.
      var limitN = d.n * BigInt(limitPct), limitS = d.s + 2;
      var over = o.n * (10n ** BigInt(limitS)) > limitN * (10n ** BigInt(o.s));
      ratioLive.hidden = false;
      ratioLive.className = over ? "live over" : "live";
      ratioLive.textContent = "抵销比例 " + computed + "%；上限为应清缴配额量的 " + limitPct + "%，即 " +
        show(limitN, limitS).replace(/\.?0+$/, "") + " 吨（最多可申请 " + show(limitN / (10n ** BigInt(limitS)), 0) + " 吨）" +
        (over ? "：已超过上限" : "");
    } else if (ratioLive) { ratioLive.hidden = true; }
    sumRows(o);
  }
  function sumRows(o) {
    var total = 0n, scale = 0, ok = true, any = false;
    rows.querySelectorAll("[data-role=row-quantity]").forEach(function (input) {
      if (input.value === "") { return; }
      var q = parse(input.value); any = true;
      if (!q) { ok = false; return; }
      if (q.s > scale) { total = total * (10n ** BigInt(q.s - scale)); scale = q.s; }
      total += q.n * (10n ** BigInt(scale - q.s));
    });
    if (!any || !ok) { rowsLive.hidden = true; return; }
    var text = "注销量合计 " + show(total, scale) + " 吨";
    var match = true;
    if (o) {
      var s = Math.max(scale, o.s);
      match = total * (10n ** BigInt(s - scale)) === o.n * (10n ** BigInt(s - o.s));
      text += match ? "，与申请抵销量一致" : "，与申请抵销量不一致";
    }
    rowsLive.hidden = false;
    rowsLive.className = match ? "live" : "live over";
    rowsLive.textContent = text;
  }
  function renumber() {
    rows.querySelectorAll("fieldset.ccer-row").forEach(function (row, i) {
      row.querySelector(".row-number").textContent = String(i + 1);
    });
  }
  function nextIndex() {
    var max = -1;
    rows.querySelectorAll("fieldset.ccer-row").forEach(function (row) {
      max = Math.max(max, Number(row.getAttribute("data-index")));
    });
    return max + 1;
  }
  // Rows are added and removed in the page; the server reads whatever indices are present.
  form.addEventListener("click", function (event) {
    var button = event.target.closest("button, input[type=submit]");
    if (!button) { return; }
    if (button.classList.contains("remove-row")) {
      event.preventDefault();
      var all = rows.querySelectorAll("fieldset.ccer-row");
      var row = button.closest("fieldset.ccer-row");
      if (all.length > 1) { row.remove(); } else {
        row.querySelectorAll("input, select").forEach(function (el) { el.value = ""; });
      }
      renumber(); update();
    } else if (button.classList.contains("add-row")) {
      var existing = rows.querySelectorAll("fieldset.ccer-row");
      if (existing.length >= Number(rows.getAttribute("data-max-rows"))) { return; }
      event.preventDefault();
      var template = existing[existing.length - 1];
      var index = nextIndex(), old = template.getAttribute("data-index");
      var copy = template.cloneNode(true);
      copy.setAttribute("data-index", String(index));
      copy.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
        ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace("ccer_rows-" + old + "-", "ccer_rows-" + index + "-")); }
        });
      });
      copy.querySelectorAll("input, select").forEach(function (el) { el.value = ""; el.removeAttribute("aria-invalid"); });
      copy.querySelectorAll(".problems, .error-text").forEach(function (el) { el.remove(); });
      copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      copy.querySelector(".remove-row").value = String(index);
      rows.appendChild(copy);
      renumber();
      copy.querySelector("select, input").focus();
    }
  });
  if (ratio) {
    // A ratio present at load counts as typed only when it is not what the table gives.
    var d0 = parse(due && due.value), o0 = parse(offset && offset.value);
    ratioTyped = ratio.value !== "" && !(d0 && o0 && d0.n > 0n && ratio.value === ratioOf(o0, d0, 2));
    ratio.addEventListener("input", function () { ratioTyped = ratio.value !== ""; });
  }
  form.addEventListener("input", update);
  update();
})();
