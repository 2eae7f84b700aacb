/* Behaviour for the portal's pages. No inline scripts or on* attributes anywhere: pages mark elements
   with data-* attributes and this file attaches the behaviour, so a strict content security policy
   (script-src 'self') keeps working. */
(function () {
  "use strict";

  // <form data-confirm="..."> or <button data-confirm="...">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <select data-autosubmit>: submit its form when the choice changes (a plain submit button stays as
  // the fallback for browsers without JavaScript).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      if (typeof target.form.requestSubmit === "function") {
        target.form.requestSubmit();
      } else {
        target.form.submit();
      }
    }
  });
})();
