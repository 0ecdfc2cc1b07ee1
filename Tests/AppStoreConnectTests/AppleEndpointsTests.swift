import Foundation
import Testing

@testable import AppStoreConnect

@Suite("Apple endpoints")
struct AppleEndpointsTests {
    @Test("Apple's production base URLs")
    func production() {
        #expect(AppleEndpoints.apple.reporter.absoluteString == "https://reportingitc-reporter.apple.com")
        #expect(AppleEndpoints.apple.connectAPI.absoluteString == "https://api.appstoreconnect.apple.com")
    }
}
