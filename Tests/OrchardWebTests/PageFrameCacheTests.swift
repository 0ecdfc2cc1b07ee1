import Foundation
import NIOCore
import OrchardCore
import Plot
import Testing

@testable import OrchardWeb

/// A page's frame (head, navigation, footer) is rendered once per title and what it shows, and kept:
/// the bytes must be those of the whole page rendered at once, whoever asks.
@Suite("Pages with a kept frame")
struct PageFrameCacheTests {
    static let member = User(id: 7, email: "ada@example.com", role: .member, createdAt: Date(timeIntervalSince1970: 0))
    static let operatorUser = User(
        id: 8, email: "op@example.com", role: .operator, createdAt: Date(timeIntervalSince1970: 0))
    /// An address that spells the marker the frame is split at: escaped, so it cannot cut the page.
    static let hostile = User(
        id: 9, email: "<orchard:content/>@example.com", role: .member, createdAt: Date(timeIntervalSince1970: 0))

    static func page(_ title: String, _ frame: PageFrame?, text: String = "Body") -> HTMLPage {
        HTMLPage(title: title, frame: frame, content: .div(.h1(.text(title)), .p(.text(text))))
    }

    @Test("the same bytes as the page rendered whole: signed out, member, operator, a flash, a hostile address")
    func sameBytes() {
        let frames: [PageFrame?] = [
            nil,
            PageFrame(user: nil, csrfToken: "anonymous-token"),
            PageFrame(user: Self.member, csrfToken: "token-1"),
            PageFrame(user: Self.operatorUser, csrfToken: "token-2"),
            PageFrame(user: Self.member, csrfToken: "token-1", flash: .signedIn),
            PageFrame(user: Self.hostile, csrfToken: "token-3"),
        ]
        for frame in frames {
            for title in ["Dashboard", "Data <Integration>"] {
                let page = Self.page(title, frame, text: "figures & <b>")
                // asked twice: the first renders the frame, the second finds it kept
                for _ in 0..<2 {
                    #expect(
                        String(buffer: page.rendered()) == page.html().render(), "\(title) \(String(describing: frame))"
                    )
                }
            }
        }
        let hostile = String(buffer: Self.page("Dashboard", PageFrame(user: Self.hostile, csrfToken: "t")).rendered())
        #expect(hostile.contains("&lt;orchard:content/&gt;@example.com") && !hostile.contains("<orchard:content/>"))
    }

    @Test("each session's token, user, flash and title gets its own frame")
    func ownFrame() {
        let cache = HTMLPage.FrameCache()
        func before(_ frame: PageFrame, _ title: String = "Dashboard") -> String {
            cache.parts(of: Self.page(title, frame)).before
        }
        let first = before(PageFrame(user: Self.member, csrfToken: "first-token"))
        let second = before(PageFrame(user: Self.member, csrfToken: "second-token"))
        #expect(first.contains("first-token") && second.contains("second-token") && !second.contains("first-token"))
        #expect(before(PageFrame(user: Self.operatorUser, csrfToken: "first-token")).contains("op@example.com"))
        #expect(
            before(PageFrame(user: Self.member, csrfToken: "first-token", flash: .signedOut)).contains(
                Flash.signedOut.text))
        #expect(before(PageFrame(user: Self.member, csrfToken: "first-token"), "Activity").contains("Activity"))
        #expect(!before(PageFrame(user: Self.member, csrfToken: "first-token")).contains(Flash.signedOut.text))
        #expect(cache.count == 5)
        // visitors' frames hold no token (no form): one frame for all of them
        let visitor = before(PageFrame(user: nil, csrfToken: "visitor-one"))
        #expect(before(PageFrame(user: nil, csrfToken: "visitor-two")) == visitor && !visitor.contains("visitor-one"))
        #expect(cache.count == 6)
    }

    @Test("a full cache starts again empty")
    func bounded() {
        let cache = HTMLPage.FrameCache(capacity: 3)
        for index in 0..<7 {
            _ = cache.parts(of: Self.page("Page \(index)", PageFrame(user: nil, csrfToken: "token")))
        }
        #expect(cache.count == 1)
    }
}
