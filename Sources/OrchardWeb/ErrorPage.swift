import Hummingbird
import Plot

/// The page a person sees when a request fails: what happened and where to go next.
enum ErrorPage {
    static func response(for error: WebError, context: OrchardRequestContext) -> Response {
        let frame = PageFrame(user: context.user, csrfToken: context.csrfToken)
        let title =
            switch error.status {
            case .notFound: "Page not found"
            case .forbidden: "Not allowed"
            case .tooManyRequests: "Too many attempts"
            case .internalServerError: "Something went wrong"
            default: "That did not work"
            }
        let page = HTMLPage(
            title: title, frame: frame, status: error.status,
            content: .div(
                .class("narrow"),
                .h1(.text(title)),
                .p(.text(error.message)),
                .p(.a(.href(SiteRoute.home.path), .text("Go to the start page")))))
        return Response(
            status: error.status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: page.rendered()))
    }
}
