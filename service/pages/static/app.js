// Gõ Cửa pages: keyboard shortcuts and bulk selection. The pages work without it.
(function () {
  "use strict";
  function typing(event) {
    var el = event.target;
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function setupQueue(list) {
    var rows = Array.prototype.slice.call(list.querySelectorAll(".row"));
    var current = -1;
    function focus(i) {
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (row, n) { row.classList.toggle("current", n === current); });
      rows[current].focus();
      rows[current].scrollIntoView({ block: "nearest" });
    }
    function open(decision) {
      if (current < 0) return;
      var href = rows[current].getAttribute("data-href");
      window.location.href = decision ? href + (href.indexOf("?") < 0 ? "?" : "&") + "decision=" + decision : href;
    }
    var all = document.getElementById("select-all");
    if (all) {
      all.addEventListener("change", function () {
        rows.forEach(function (row) { row.querySelector("input[type=checkbox]").checked = all.checked; });
      });
    }
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      var key = event.key;
      if (key === "j") { focus(current + 1); event.preventDefault(); }
      else if (key === "k") { focus(current - 1); event.preventDefault(); }
      else if (key === "Enter" && current >= 0) { open(null); event.preventDefault(); }
      else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[type=checkbox]");
        box.checked = !box.checked; event.preventDefault();
      }
      else if (key === "a" && current >= 0) {
        var one = document.getElementById("one");
        one.querySelector("input[name=ids]").value = rows[current].getAttribute("data-id");
        one.submit(); event.preventDefault();
      }
      else if (key === "r" && current >= 0) { open("rejected"); event.preventDefault(); }
      else if (key === "i" && current >= 0) { open("has_issues"); event.preventDefault(); }
    });
  }

  function setupVisit(form) {
    var comment = document.getElementById("comment");
    function choose(value) {
      var radio = form.querySelector("input[name=decision][value=" + value + "]");
      if (radio) radio.checked = true;
    }
    var checked = form.querySelector("input[name=decision]:checked");
    if (checked && checked.value !== "approved") comment.focus();
    document.addEventListener("keydown", function (event) {
      if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "a") { choose("approved"); form.requestSubmit(); event.preventDefault(); }
      else if (event.key === "r") { choose("rejected"); comment.focus(); event.preventDefault(); }
      else if (event.key === "i") { choose("has_issues"); comment.focus(); event.preventDefault(); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Wide screens have room for the filters; on a phone they stay folded until asked for.
    var filters = document.querySelector("details.filters");
    if (filters && window.matchMedia("(min-width: 760px)").matches) filters.open = true;
    var list = document.getElementById("queue");
    if (list) setupQueue(list);
    var form = document.getElementById("decision-form");
    if (form) setupVisit(form);
  });
})();
