// The sidebar's only script: find the ticket through Zendesk, copy buttons, fit the iframe.
(function () {
  "use strict";

  // Inside Zendesk the SDK is loaded and origin/app_guid are in the query string.
  var client = null;
  if (window.ZAFClient && typeof window.ZAFClient.init === "function") {
    client = window.ZAFClient.init();
  }

  function resize() {
    if (!client) return;
    var height = Math.ceil(document.documentElement.scrollHeight);
    client.invoke("resize", { width: "100%", height: height + "px" });
  }

  // After the signed load: ask Zendesk which ticket is open, then show it (query string kept).
  var bootstrap = document.body.getAttribute("data-bootstrap");
  if (bootstrap !== null) {
    var status = document.getElementById("bootstrap-status");
    if (!client) {
      status.textContent = "Open this app from a Zendesk ticket.";
      return;
    }
    client.get("ticket.id").then(function (data) {
      var id = parseInt(data["ticket.id"], 10);
      if (!(id > 0)) {
        status.textContent = "No ticket is open here.";
        resize();
        return;
      }
      window.location.replace(bootstrap.replace(/\/0$/, "/" + id) + window.location.search);
    });
    resize();
    return;
  }

  function copyText(text, button) {
    function done() {
      button.classList.add("copied");
      button.textContent = "Copied";
      setTimeout(function () { button.classList.remove("copied"); button.textContent = "Copy"; }, 1500);
    }
    function fallback() {
      // The iframe may lack clipboard permission: select a hidden field and copy it.
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "sr-only";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); } catch (e) { /* nothing more to try */ }
      document.body.removeChild(area);
      done();
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button.copy") : null;
    if (button) copyText(button.getAttribute("data-copy") || "", button);
  });

  // Inline styles are refused by our CSP; set the meter's width from its data attribute.
  var fills = document.querySelectorAll(".meter-fill[data-width]");
  for (var i = 0; i < fills.length; i++) {
    var width = parseInt(fills[i].getAttribute("data-width"), 10) || 0;
    fills[i].style.width = Math.max(0, Math.min(100, width)) + "%";
  }

  var toggles = document.querySelectorAll("details");
  for (var j = 0; j < toggles.length; j++) toggles[j].addEventListener("toggle", resize);
  window.addEventListener("load", resize);
  resize();
})();
