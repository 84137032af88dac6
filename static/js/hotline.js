/* Hotline call screen (issue 5): single-key logging, the counselling form's autosave, and no
   double submit. Loaded as a file (the Content-Security-Policy allows no inline script) in the
   page's head, so a key pressed as soon as the page shows is never lost: the key and submit
   listeners sit on the document at once, the autosave starts when the form is parsed. */
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 800;
  var submitting = false;

  function inTextField(element) {
    if (!element || element === document.body) { return false; }
    if (element.isContentEditable) { return true; }
    var tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  /* One key, one call: a button or link with data-key="s" is pressed by the key "s" when the
     cursor is not in a field. "c" goes to the counselling form. */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.repeat) { return; }
    if (inTextField(event.target)) { return; }
    var key = (event.key || "").toLowerCase();
    if (key.length !== 1) { return; }
    if (key === "c") {
      var first = document.querySelector("#counselling-form select, #counselling-form input:not([type=hidden])");
      if (first) { event.preventDefault(); first.focus(); }
      return;
    }
    var target = document.querySelector('[data-key="' + key + '"]');
    if (!target || target.disabled) { return; }
    event.preventDefault();
    if (submitting) { return; }
    if (target.form && target.type === "submit") {
      submitting = true;
      target.form.requestSubmit(target);
    } else {
      target.click();
    }
  });

  /* No double submit: once a form is on its way, its buttons are disabled (after the browser has
     taken the pressed button's name and value into the submission). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.submitted === "1") { event.preventDefault(); return; }
    form.dataset.submitted = "1";
    submitting = true;
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Back to a page the browser kept in memory: its forms may be marked as sent; start afresh.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  // A search box inside the counselling form searches on Enter; it never submits the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-no-submit]")) {
      event.preventDefault();
    }
  });

  /* Autosave: the counselling form posts its fields to the draft endpoint as the counsellor
     types, and once more when the page is left, so a closed tab loses nothing. */
  function startAutosave() {
    var form = document.querySelector("form[data-autosave]");
    if (!form) { return; }
    var url = form.dataset.autosave;
    var status = document.getElementById("draft-status");
    var timer = null;
    var dirty = false;

    function formData() {
      var data = new FormData(form);
      data.append("autosave", "1");
      return data;
    }

    function save() {
      timer = null;
      if (!dirty || form.dataset.submitted === "1") { return; }
      dirty = false;
      fetch(url, {method: "POST", body: formData(), credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { if (html && status) { status.innerHTML = html; } })
        .catch(function () { dirty = true; });
    }

    function changed() {
      dirty = true;
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, AUTOSAVE_DELAY);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // A child picked from the registry arrives by htmx: save that too.
    document.addEventListener("htmx:afterSettle", function (event) {
      if (form.contains(event.target)) { changed(); }
    });
    form.addEventListener("submit", function () {
      if (timer) { window.clearTimeout(timer); }
      dirty = false;
    });

    function flush() {
      if (!dirty || form.dataset.submitted === "1") { return; }
      dirty = false;
      if (timer) { window.clearTimeout(timer); timer = null; }
      if (navigator.sendBeacon) {
        navigator.sendBeacon(url, formData());
      } else {
        fetch(url, {method: "POST", body: formData(), credentials: "same-origin", keepalive: true});
      }
    }

    window.addEventListener("pagehide", flush);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { flush(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startAutosave);
  } else {
    startAutosave();
  }
}());
