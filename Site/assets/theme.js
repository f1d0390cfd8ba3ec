// Applies the reader's saved theme before the page paints (no flash). Marginalia theme.
(function () {
  try {
    var saved = window.localStorage.getItem("marginalia-theme");
    if (saved === "light" || saved === "dark") document.documentElement.setAttribute("data-theme", saved);
  } catch (e) { /* storage may be unavailable on file:// in some browsers */ }
})();
