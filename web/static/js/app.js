// Strata console script: CSRF header for htmx, confirmation of destructive
// forms, and the restore wizard's choices, time picker and timeline.
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
      // A page that polls (a job's progress) may have replaced the form
      // while the dialog was open, and a form out of the page submits
      // nothing: put it back, hidden, and send it. The server checks the
      // action against what the object is now.
      if (!pending.isConnected) {
        pending.hidden = true;
        document.body.appendChild(pending);
      }
      pending.dataset.confirmed = "yes";
      pending.requestSubmit();
    }
    pending = null;
  });
  // In a [data-choice] block (a radio with its own controls), using one of
  // its controls chooses it.
  function chooseFor(el) {
    var choice = el.closest && el.closest("[data-choice]");
    var radio = choice && choice.querySelector('input[type="radio"]');
    if (radio && radio !== el) {
      radio.checked = true;
    }
  }
  document.addEventListener("focusin", function (ev) {
    chooseFor(ev.target);
  });

  // Date-time pickers in UTC (data-local-time names the element that shows
  // the moment in the browser's time zone) and the timeline that marks it.
  function utcMillis(value) {
    var t = value ? Date.parse(value + "Z") : NaN;
    return isNaN(t) ? null : t;
  }

  function pickerValue(millis) {
    return new Date(millis).toISOString().slice(0, 23); // YYYY-MM-DDTHH:MM:SS.sss, UTC
  }

  function timelineFor(input) {
    return document.querySelector('svg.timeline[data-pick-for="' + input.id + '"]');
  }

  function showPicked(input) {
    var t = utcMillis(input.value);
    var out = document.getElementById(input.dataset.localTime);
    if (out) {
      out.textContent = t === null ? "" : "Your local time: " + new Date(t).toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
        fractionalSecondDigits: 3, timeZoneName: "short"
      });
    }
    var svg = timelineFor(input);
    var cursor = svg && svg.querySelector(".tl-cursor");
    if (!cursor) {
      return;
    }
    var lo = Number(svg.dataset.minMs), hi = Number(svg.dataset.maxMs);
    var x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1);
    if (t === null || t < lo || t > hi) {
      cursor.classList.remove("on");
      return;
    }
    var x = String(x0 + (t - lo) / (hi - lo) * (x1 - x0));
    cursor.setAttribute("x1", x);
    cursor.setAttribute("x2", x);
    cursor.classList.add("on");
  }

  function pick(id, value) {
    var input = document.getElementById(id);
    if (!input) {
      return;
    }
    input.value = value;
    chooseFor(input);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  // The restorable moment nearest to t among a timeline's windows.
  function nearestRestorable(svg, t) {
    var best = null, bestDistance = Infinity;
    svg.querySelectorAll("[data-from][data-to]").forEach(function (w) {
      var a = utcMillis(w.dataset.from), b = utcMillis(w.dataset.to);
      var c = Math.min(Math.max(t, a), b);
      if (Math.abs(c - t) < bestDistance) {
        best = c;
        bestDistance = Math.abs(c - t);
      }
    });
    return best;
  }

  document.addEventListener("input", function (ev) {
    if (ev.target.dataset && ev.target.dataset.localTime) {
      showPicked(ev.target);
    }
  });
  document.querySelectorAll("[data-local-time]").forEach(showPicked);

  document.addEventListener("click", function (ev) {
    var button = ev.target.closest && ev.target.closest("[data-pick]");
    if (button) {
      pick(button.dataset.pickFor, button.dataset.pick);
      return;
    }
    var svg = ev.target.closest && ev.target.closest("svg.timeline");
    if (!svg || !svg.getScreenCTM()) {
      return;
    }
    var pt = svg.createSVGPoint();
    pt.x = ev.clientX;
    pt.y = ev.clientY;
    var x = pt.matrixTransform(svg.getScreenCTM().inverse()).x;
    var lo = Number(svg.dataset.minMs), hi = Number(svg.dataset.maxMs);
    var x0 = Number(svg.dataset.x0), x1 = Number(svg.dataset.x1);
    var t = nearestRestorable(svg, Math.round(lo + (x - x0) / (x1 - x0) * (hi - lo)));
    if (t !== null) {
      pick(svg.dataset.pickFor, pickerValue(t));
    }
  });
})();
