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

        // Chart hover values: a guide line and a small box with the slot's values, under the pointer
        // or, once a chart has focus, moved with the arrow keys. The box is aria-hidden because the
        // table below each chart is the text equivalent; charts are complete without this.
        (function () {
          var charts = document.querySelectorAll("svg.chart");
          if (!charts.length || !window.JSON) { return; }
          var tip = document.createElement("div");
          tip.className = "chart-tip";
          tip.setAttribute("aria-hidden", "true");
          tip.hidden = true;
          document.body.appendChild(tip);
          var hideShown = null;
          function line(className, parts) {
            var row = document.createElement("div");
            row.className = className;
            parts.forEach(function (part) {
              var span = document.createElement("span");
              span.className = part[0];
              span.textContent = part[1];
              row.appendChild(span);
            });
            return row;
          }
          function wireChart(chart) {
            var hits = chart.querySelectorAll("rect.hit");
            var names = null;
            try { names = JSON.parse(chart.getAttribute("data-series")); } catch (error) { return; }
            if (!hits.length || !names) { return; }
            var guide = document.createElementNS("http://www.w3.org/2000/svg", "line");
            guide.setAttribute("class", "guide");
            guide.setAttribute("visibility", "hidden");
            chart.appendChild(guide);
            var current = -1;
            function hide() {
              current = -1;
              guide.setAttribute("visibility", "hidden");
              tip.hidden = true;
            }
            function show(index) {
              var hit = hits[index];
              var values = null;
              try { values = JSON.parse(hit.getAttribute("data-values")); } catch (error) { return; }
              if (hideShown && hideShown !== hide) { hideShown(); }
              hideShown = hide;
              current = index;
              var x = String(Number(hit.getAttribute("x")) + Number(hit.getAttribute("width")) / 2);
              var top = Number(hit.getAttribute("y"));
              guide.setAttribute("x1", x);
              guide.setAttribute("x2", x);
              guide.setAttribute("y1", String(top));
              guide.setAttribute("y2", String(top + Number(hit.getAttribute("height"))));
              guide.setAttribute("visibility", "visible");
              var rows = [line("chart-tip-label", [["", hit.getAttribute("data-label")]])];
              names.forEach(function (name, k) {
                var value = values[k] === "—" ? "no data" : values[k];
                rows.push(line("chart-tip-row", [["swatch s" + (k % 8), ""], ["name", name], ["value", value]]));
              });
              tip.replaceChildren.apply(tip, rows);
              tip.hidden = false;
              // Beside the guide, flipped to its left when the box would leave the window.
              var box = hit.getBoundingClientRect();
              var left = box.left + box.width / 2 + 12;
              if (left + tip.offsetWidth > document.documentElement.clientWidth) {
                left = box.left + box.width / 2 - 12 - tip.offsetWidth;
              }
              tip.style.left = Math.max(0, left) + window.scrollX + "px";
              tip.style.top = chart.getBoundingClientRect().top + window.scrollY + 8 + "px";
            }
            function pick(event) {
              var index = event.target.getAttribute ? event.target.getAttribute("data-i") : null;
              if (index !== null && Number(index) !== current) { show(Number(index)); }
            }
            chart.addEventListener("pointermove", pick);
            chart.addEventListener("pointerdown", pick);
            // A touch ends with pointerleave straight after the tap, so touch values stay until a tap elsewhere.
            chart.addEventListener("pointerleave", function (event) {
              if (event.pointerType === "mouse" && document.activeElement !== chart) { hide(); }
            });
            chart.setAttribute("tabindex", "0");
            chart.addEventListener("focus", function () { show(current < 0 ? hits.length - 1 : current); });
            chart.addEventListener("blur", hide);
            chart.addEventListener("keydown", function (event) {
              var moves = { ArrowLeft: current - 1, ArrowRight: current + 1, Home: 0, End: hits.length - 1 };
              if (event.key === "Escape") { hide(); return; }
              if (!moves.hasOwnProperty(event.key)) { return; }
              event.preventDefault();
              show(Math.max(0, Math.min(hits.length - 1, moves[event.key])));
            });
          }
          charts.forEach(wireChart);
          document.addEventListener("pointerdown", function (event) {
            if (hideShown && !(event.target.closest && event.target.closest("svg.chart"))) { hideShown(); }
          });
        })();

        """
}
