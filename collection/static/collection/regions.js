/* Regions (issue 14). Both forms work without JavaScript; this only makes them quicker.
   - The region form's country picker: a box that finds a country by name or ISO code among the 249, and the
     number chosen; Enter in the box ticks the only country left, so the keyboard alone can add one.
   The round form has no script: a region is applied with its "Show its countries" button, so that moving
   through the regions with the arrow keys never reloads the page. */
(function () {
  "use strict";
  const picker = document.querySelector("[data-country-picker]");
  if (picker) {
    const find = picker.querySelector("[data-find]");
    const input = find.querySelector("input");
    const count = picker.querySelector("[data-chosen-count]");
    const options = Array.from(picker.querySelectorAll("[data-options] label"));
    const update = () => {
      const chosen = options.filter((o) => o.querySelector("input").checked);
      const names = chosen.map((o) => o.querySelector("span").firstChild.textContent.trim());
      count.textContent = "(" + chosen.length + " chosen" + (chosen.length && chosen.length <= 12 ? ": " + names.join(", ") : "") + ")";
    };
    find.hidden = false;
    input.addEventListener("input", () => {
      const words = input.value.trim().toLowerCase();
      for (const option of options) option.hidden = words !== "" && !option.textContent.toLowerCase().includes(words);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();  // Enter here ticks the country found, it does not send the form
      const shown = options.filter((o) => !o.hidden);
      if (shown.length === 1) {
        const box = shown[0].querySelector("input");
        box.checked = !box.checked;
        update();
        input.select();
      } else if (shown.length) {
        shown[0].querySelector("input").focus();
      }
    });
    picker.addEventListener("change", update);
    update();
  }
})();
