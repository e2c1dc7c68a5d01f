// Colour the rating cells of the performance tables. The rating is always written in the
// cell ("Green ↓", "Amber ↑ ..."), so the colour only repeats what the text says.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table.table td").forEach(function (cell) {
    var match = /^(Green|Amber|Red)\b/.exec(cell.textContent.trim());
    if (match) { cell.classList.add("rag-" + match[1].toLowerCase()); }
  });
});
