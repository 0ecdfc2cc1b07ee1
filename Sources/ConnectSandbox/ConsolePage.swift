import Hummingbird
import NIOCore
import Plot

/// A page of the "App Store Connect (sandbox)" web console, in the console's frame.
struct ConsolePage: ResponseGenerator {
    let title: String
    let signedIn: String?
    let content: Node<HTML.BodyContext>

    func response(from request: Request, context: some RequestContext) -> Response {
        let html = HTML(
            .lang(.english),
            .head(
                .encoding(.utf8), .title("\(title) · App Store Connect (sandbox)"), .viewport(.accordingToDevice),
                .style(Self.css)
            ),
            .body(
                .header(
                    .a(.class("brand"), .href(ConsoleRoute.home), .text("App Store Connect (sandbox)")),
                    .unwrap(signedIn) { appleId in
                        .form(
                            .class("who"), .method(.post), .action(ConsoleRoute.signOut),
                            .span(.text(appleId)), .text(" "), .button(.type(.submit), .text("Sign out")))
                    }
                ),
                .main(.h1(.text(title)), content),
                .footer(.text("Connect Sandbox: an emulator of Apple's App Store Connect for tests and demos."))
            )
        )
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html.render())))
    }

    static let css = """
        :root { color-scheme: light dark; --accent: #0a66d8; }
        body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 0 1rem; }
        header { display: flex; justify-content: space-between; align-items: center; padding: 1rem 0;
          border-bottom: 1px solid #8884; }
        .brand { font-weight: 700; color: var(--accent); text-decoration: none; }
        table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
        th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #8883; }
        form.inline { display: inline; }
        fieldset { border: 1px solid #8885; margin: .5rem 0; }
        .token { font-family: ui-monospace, monospace; font-size: 1.1rem; padding: .5rem; background: #8882; }
        .notice { padding: .5rem 1rem; border-left: 4px solid var(--accent); background: #8881; }
        .problem { color: #c62828; }
        footer { color: #888; font-size: .875rem; padding: 1rem 0; border-top: 1px solid #8884; }
        """
}

/// The console's paths, used both to register routes and to build links.
enum ConsoleRoute {
    static let home = "/"
    static let signIn = "/console/sign-in"
    static let signOut = "/console/sign-out"
    static let console = "/console"
    static let token = "/console/token"

    static func users(_ account: Int) -> String { "/console/accounts/\(account)/users" }
    static func invite(_ account: Int) -> String { "/console/accounts/\(account)/invitations" }
    static func remove(_ account: Int, _ email: String) -> String {
        "/console/accounts/\(account)/users/\(FormFields.encode(email))/remove"
    }
    static func accept(_ invitation: String) -> String { "/console/invitations/\(invitation)/accept" }
}
