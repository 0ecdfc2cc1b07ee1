import Hummingbird
import NIOCore
import OrchardStorage

/// The site's one script, loaded with `defer` and never inline (the CSP forbids inline scripts).
/// Pages work without it; it only adds what needs a script: copy buttons.
enum Script {
    static let asset = Asset(source, contentType: "text/javascript; charset=utf-8")
    static var version: String { asset.version }

    static let source = """
        "use strict";
        (function () {
          // Copy buttons: hidden without JavaScript, where the address can be selected by hand.
          function wireCopy(root) {
            root.querySelectorAll("button[data-copy]").forEach(function (button) {
              var target = document.getElementById(button.dataset.copy);
              if (!target || !navigator.clipboard) { return; }
              button.hidden = false;
              button.addEventListener("click", function () {
                navigator.clipboard.writeText(target.textContent.trim()).then(function () {
                  var label = button.textContent;
                  button.textContent = "Copied";
                  setTimeout(function () { button.textContent = label; }, 2000);
                });
              });
            });
          }
          wireCopy(document);

          // The funnel as a dialog: links marked data-dialog open the funnel's steps in a modal
          // <dialog> (focus stays inside, Escape closes it). Each step is the same page the server
          // renders without JavaScript; its .funnel part is shown here. Finishing submits normally,
          // so the Data Integration page shows the result.
          if (typeof HTMLDialogElement !== "function" || !window.fetch) { return; }
          var dialog = null;
          var funnelPath = "/integrations/app-store-connect";
          function ensureDialog() {
            if (dialog) { return dialog; }
            dialog = document.createElement("dialog");
            dialog.className = "funnel-dialog";
            dialog.setAttribute("aria-label", "Connect App Store Connect");
            document.body.appendChild(dialog);
            return dialog;
          }
          function show(html) {
            var page = new DOMParser().parseFromString(html, "text/html");
            var content = page.querySelector(".funnel");
            if (!content) {
              document.open();
              document.write(html);
              document.close();
              return;
            }
            var box = ensureDialog();
            var close = document.createElement("button");
            close.type = "button";
            close.className = "dialog-close secondary";
            close.textContent = "Close";
            close.addEventListener("click", function () { box.close(); });
            box.replaceChildren(close, document.importNode(content, true));
            wire(box);
            if (!box.open) { box.showModal(); }
            var focus = box.querySelector("[role=alert], [aria-invalid=true], input:not([type=hidden]):not([disabled])");
            if (focus && focus.getAttribute("role") === "alert") { focus.setAttribute("tabindex", "-1"); }
            (focus || box.querySelector("h1")).focus();
          }
          function load(url, options) {
            var request = Object.assign({ credentials: "same-origin", headers: { "Accept": "text/html" } }, options || {});
            fetch(url, request)
              .then(function (response) { return response.text(); })
              .then(show)
              .catch(function () { window.location.href = url; });
          }
          function wire(root) {
            wireCopy(root);
            root.querySelectorAll("a[href]").forEach(function (link) {
              if (link.getAttribute("href").indexOf(funnelPath) !== 0) { return; }
              link.addEventListener("click", function (event) {
                event.preventDefault();
                load(link.href);
              });
            });
            root.querySelectorAll("form").forEach(function (form) {
              if (/\\/finish$/.test(form.getAttribute("action"))) { return; }
              form.addEventListener("submit", function (event) {
                event.preventDefault();
                load(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)) });
              });
            });
          }
          document.querySelectorAll("a[data-dialog]").forEach(function (link) {
            link.addEventListener("click", function (event) {
              event.preventDefault();
              load(link.href);
            });
          });
        })();

        """
}
