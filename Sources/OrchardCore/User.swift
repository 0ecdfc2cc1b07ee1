package import Foundation

/// What a dashboard user may do beyond their own data.
package enum UserRole: String, Sendable, Codable, CaseIterable {
    case member
    /// Sees the operator page: pending invitations, the job queue, the service token.
    case `operator`
}

/// A dashboard user. The e-mail address is kept lowercased, so addresses compare
/// case-insensitively.
package struct User: Sendable, Equatable, Codable {
    package let id: Int64
    package let email: String
    package var role: UserRole
    package let createdAt: Date
    /// The currency the user's figures are shown in (ISO 4217; USD unless they chose another).
    package var currency: String

    package init(id: Int64, email: String, role: UserRole, createdAt: Date, currency: String = "USD") {
        self.id = id
        self.email = email
        self.role = role
        self.createdAt = createdAt
        self.currency = currency
    }
}

/// Why an address or a password is refused at sign-up or password change.
package enum CredentialProblem: Error, Equatable, Sendable {
    case invalidEmail
    case weakPassword(String)

    /// The sentence a user reads.
    package var message: String {
        switch self {
        case .invalidEmail: "Enter an e-mail address such as name@example.com."
        case .weakPassword(let reason): reason
        }
    }
}

/// The rules for the e-mail address and password a user signs up with.
package enum Credentials {
    /// Passwords shorter than this are refused (NIST SP 800-63B asks for at least 8; 10 is kinder
    /// to a shared dashboard).
    package static let minimumPasswordLength = 10
    /// bcrypt reads at most 72 bytes: a longer password would be cut silently, so it is refused.
    package static let maximumPasswordBytes = 72

    /// `raw` trimmed and lowercased when it looks like an address (one `@`, a dot in the domain,
    /// no spaces, at most 254 characters), else `invalidEmail`.
    package static func email(_ raw: String) throws(CredentialProblem) -> String {
        let address = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard address.count <= 254, parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64,
            !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," }),
            let dot = parts[1].lastIndex(of: "."), dot != parts[1].startIndex,
            parts[1].index(after: dot) != parts[1].endIndex
        else { throw .invalidEmail }
        return address
    }

    /// Refuses a password too short, too long for bcrypt, made of one repeated character, or equal
    /// to the address.
    package static func checkPassword(_ password: String, email: String) throws(CredentialProblem) {
        guard password.count >= minimumPasswordLength else {
            throw .weakPassword("Use a password of at least \(minimumPasswordLength) characters.")
        }
        guard password.utf8.count <= maximumPasswordBytes else {
            throw .weakPassword("Use a password of at most \(maximumPasswordBytes) bytes.")
        }
        guard Set(password).count > 2 else {
            throw .weakPassword("Use a password that is not one character repeated.")
        }
        guard password.lowercased() != email.lowercased(),
            password.lowercased() != email.split(separator: "@").first.map(String.init)
        else { throw .weakPassword("Use a password that is not your e-mail address.") }
    }
}
