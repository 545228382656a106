// A list page's filter form (templates/core/filter_form.html, [data-filter-form]).
// - Its error spots are replaced out of band with each result (core/filter_errors.html); the
//   fields they belong to are marked invalid (aria-invalid, which Pico draws red) to match.
// - Back/Forward: htmx restores its snapshot of the page, whose fields show the values the page
//   was first loaded with (a snapshot keeps attributes, not what was typed or chosen since): the
//   fields are set from the URL, which is what the restored results show.
// Loaded by the form's include, so a restored snapshot runs it again: it sets itself up once.
(function () {
  "use strict";
  if (window.recdeskFilters) return;
  window.recdeskFilters = true;

  function markFields(form) {
    for (const spot of form.querySelectorAll("[data-error-for]")) {
      const field = document.getElementById(spot.dataset.errorFor);
      if (!field) continue;
      if (spot.hidden) {
        field.removeAttribute("aria-invalid");
        field.removeAttribute("aria-describedby");
      } else {
        field.setAttribute("aria-invalid", "true");
        field.setAttribute("aria-describedby", spot.id);
      }
    }
  }

  function fillFromUrl(form) {
    const params = new URLSearchParams(window.location.search);
    for (const field of form.elements) {
      if (!field.name || field.type === "submit" || field.type === "button") continue;
      const values = params.getAll(field.name);
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = values.includes(field.value);
      } else if (field.tagName === "SELECT") {
        for (const option of field.options) option.selected = values.includes(option.value);
        // As the server renders a value it does not offer: nothing chosen, so the first shows.
        if (!field.multiple && field.selectedIndex < 0) field.selectedIndex = 0;
      } else {
        field.value = values.length ? values[0] : "";
      }
    }
  }

  function filterForms() {
    return document.querySelectorAll("form[data-filter-form]");
  }

  document.body.addEventListener("htmx:oobAfterSwap", () => filterForms().forEach(markFields));
  document.body.addEventListener("htmx:historyRestore", () => {
    filterForms().forEach((form) => {
      fillFromUrl(form);
      markFields(form);
    });
  });
})();
