/* What every page shares. No build step: plain ES2017. */
(function () {
  "use strict";
  // The top bar's menu on phones: a real button, so keyboards and screen readers can open it and hear
  // whether it is open. The CSS shows the menu from its aria-expanded.
  const toggle = document.querySelector(".nav-toggle");
  if (toggle) {
    const setOpen = function (open) { toggle.setAttribute("aria-expanded", open ? "true" : "false"); };
    toggle.addEventListener("click", function () { setOpen(toggle.getAttribute("aria-expanded") !== "true"); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && toggle.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        toggle.focus();
      }
    });
  }

  // A form that undoes something asks first (data-confirm); without this script it simply posts.
  document.addEventListener("submit", function (event) {
    const message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
