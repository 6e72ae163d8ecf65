// The copy button of a new access token: copies the text of the element named by data-copy-from.
// Loaded from a static file (the Content-Security-Policy allows no inline script); without
// JavaScript the button stays hidden and the token can be selected and copied by hand.
"use strict";

(function () {
  function selectText(element) {
    const range = document.createRange();
    range.selectNodeContents(element);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function setUp(button) {
    const source = document.getElementById(button.dataset.copyFrom);
    const status = button.parentElement.querySelector("[data-copy-status]");
    if (!source) {
      return;
    }
    function report(text) {
      if (status) {
        status.textContent = text;
      }
    }
    button.addEventListener("click", function () {
      const text = source.textContent.trim();
      selectText(source);
      if (!navigator.clipboard || !window.isSecureContext) {
        report(button.dataset.failedText);
        return;
      }
      navigator.clipboard.writeText(text).then(
        function () { report(button.dataset.copiedText); },
        function () { report(button.dataset.failedText); }
      );
    });
    button.hidden = false;
  }

  document.querySelectorAll("button[data-copy-from]").forEach(setUp);
})();
