// pupilmatch console: the upload page's progress bar. Served from the binary under the
// console's Content-Security-Policy (script-src 'self'). Without it the form posts normally
// and the page simply waits for the hub's answer.
(function () {
  "use strict";
  var form = document.getElementById("send-form");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var box = document.getElementById("sending");
  var bar = document.getElementById("send-progress");
  var status = document.getElementById("send-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    box.hidden = false;
    var answered = false;
    var show = function (sent, total) {
      bar.max = Math.max(total, 1);
      bar.value = sent;
      // The words come from the page, in its language (the console's message catalogue).
      var words = (box.getAttribute("data-template") || "{sent} / {total}")
        .replace("{sent}", sent).replace("{total}", total);
      status.textContent = words +
        (total > 0 && sent >= total ? (box.getAttribute("data-storing") || "") : "");
    };
    var poll = function () {
      if (answered) {
        return;
      }
      fetch(form.getAttribute("data-progress"), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (progress) {
          show(progress.sent, progress.total);
          window.setTimeout(poll, 300);
        })
        .catch(function () { window.setTimeout(poll, 1000); });
    };
    poll();
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin"
    })
      .then(function (response) {
        answered = true;
        window.location.assign(response.url);
      })
      .catch(function () {
        answered = true;
        window.location.reload();
      });
  });
})();
