import Foundation
import OrchardCore
import Testing

@Suite(".env.example")
struct EnvExampleTests {
    @Test("lists every setting Orchard reads")
    func listsEverySetting() throws {
        // given
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)

        // when
        let listed = Set(
            text.split(separator: "\n").compactMap { line -> String? in
                let trimmed = line.drop { $0 == "#" || $0 == " " }
                guard let equals = trimmed.firstIndex(of: "=") else { return nil }
                return String(trimmed[..<equals])
            })

        // then
        let names = SettingKey.allCases.flatMap { [$0.environmentName] + $0.fallbackEnvironmentNames }
        for name in names {
            #expect(listed.contains(name), "\(name) is missing from .env.example")
        }
    }
}
