// Submit a small filter form when one of its selects changes (no inline handlers: CSP).
document.addEventListener("change", (event) => {
  if (event.target.matches("select.js-autosubmit")) {
    event.target.form.requestSubmit();
  }
});
