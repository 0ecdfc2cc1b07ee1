import Hummingbird
import NIOCore
import OrchardStorage

/// The site's one script, loaded with `defer` and never inline (the CSP forbids inline scripts).
/// Pages work without it; it only adds what needs a script: copy buttons.
enum Script {
    static let version = String(SecretBox.fingerprint(source).prefix(12))

    static func response() -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=31536000, immutable",
            ],
            body: .init(byteBuffer: ByteBuffer(string: source)))
    }

    static let source = """
        "use strict";
        // Copy buttons: hidden without JavaScript, where the address can be selected by hand.
        document.querySelectorAll("button[data-copy]").forEach(function (button) {
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

        """
}
