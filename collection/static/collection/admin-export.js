// The admin's export page: "Select all" ticks every field, bound here rather than in an inline handler.
document.addEventListener("DOMContentLoaded", () => {
  for (const toggle of document.querySelectorAll("input.select-toggle")) {
    toggle.addEventListener("change", onSelectToggleChange); // defined by import_export/export_selectable_fields.js
  }
});
