// Strata console script: CSRF header for htmx, and confirmation of destructive forms.
(function () {
  "use strict";

  // htmx requests carry the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (ev) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) {
      ev.detail.headers["X-CSRF-Token"] = meta.content;
    }
  });

  // A select with data-autosubmit submits its form when changed (inline
  // handlers are not allowed by the page's Content-Security-Policy).
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-autosubmit]") && ev.target.form) {
      ev.target.form.requestSubmit();
    }
  });

  // A form with data-confirm asks first, in the page's own dialog.
  var pending = null;
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) {
      return;
    }
    if (form.dataset.confirmed === "yes") {
      delete form.dataset.confirmed;
      return;
    }
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (!window.confirm(form.dataset.confirm)) {
        ev.preventDefault();
      }
      return;
    }
    ev.preventDefault();
    pending = form;
    document.getElementById("confirm-text").textContent = form.dataset.confirm;
    dialog.showModal();
  }, true);

  document.addEventListener("click", function (ev) {
    var answer = ev.target.closest && ev.target.closest("[data-confirm-answer]");
    if (!answer) {
      return;
    }
    var dialog = document.getElementById("confirm-dialog");
    dialog.close();
    if (answer.dataset.confirmAnswer === "yes" && pending) {
      pending.dataset.confirmed = "yes";
      pending.requestSubmit();
    }
    pending = null;
  });
})();
