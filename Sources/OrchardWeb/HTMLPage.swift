import Hummingbird
import NIOCore
import OrchardCore
import Plot

/// A rendered HTML page as a response, with the site's common head and frame.
struct HTMLPage: ResponseGenerator {
    let title: String
    let content: Node<HTML.BodyContext>

    func response(from request: Request, context: some RequestContext) -> Response {
        let html = HTML(
            .lang(.english),
            .head(
                .encoding(.utf8),
                .title("\(title) · Orchard"),
                .viewport(.accordingToDevice),
                .style(Self.css)
            ),
            .body(
                .header(.a(.class("brand"), .href(SiteRoute.home.path), .text("Orchard"))),
                .main(content),
                .footer(.text("Orchard \(OrchardVersion.current)"))
            )
        )
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html.render()))
        )
    }

    /// The site's one stylesheet, kept small and inline so pages need no second request.
    static let css = """
        :root { color-scheme: light dark; --accent: #2f7d32; }
        body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 0 1rem; }
        header { padding: 1rem 0; border-bottom: 1px solid #8884; }
        .brand { font-weight: 700; font-size: 1.25rem; color: var(--accent); text-decoration: none; }
        main { padding: 1.5rem 0; }
        footer { color: #888; font-size: .875rem; padding: 1rem 0; border-top: 1px solid #8884; }
        dl.status { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
        dl.status dt { font-weight: 600; }
        .ok { color: var(--accent); } .problem { color: #c62828; }
        """
}
