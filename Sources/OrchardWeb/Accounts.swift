import Foundation
import OrchardCore
import OrchardStorage

/// Sign-up, sign-in and password changes, the same for pages and the API.
struct Accounts: Sendable {
    /// How long a browser session lasts.
    static let sessionLifetime: TimeInterval = 14 * 86_400

    let users: UserStore
    let sessions: SessionStore
    let hasher: PasswordHasher
    let throttle: SignInThrottle
    let now: @Sendable () -> Date

    /// A new user: the address normalised and checked, the password checked and hashed.
    func signUp(email raw: String, password: String) async throws -> User {
        let email: String
        do {
            email = try Credentials.email(raw)
            try Credentials.checkPassword(password, email: email)
        } catch { throw WebError.credential(error) }
        let hash = try await hasher.hash(password)
        do {
            return try await users.create(email: email, passwordHash: hash, now: now())
        } catch UserStore.Failure.emailTaken {
            throw WebError.emailTaken
        }
    }

    /// The user whose address and password these are; throttled per address and per peer.
    func signIn(email raw: String, password: String, from address: String?) async throws -> User {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if let wait = await throttle.wait(email: email, address: address) {
            throw WebError.tooManyAttempts(retryAfter: wait)
        }
        guard let (user, hash) = try await users.credentials(email: email) else {
            try await hasher.verifyUnknown(password)
            await throttle.failed(email: email, address: address)
            throw WebError.invalidCredentials
        }
        guard try await hasher.verify(password, hash: hash) else {
            await throttle.failed(email: email, address: address)
            throw WebError.invalidCredentials
        }
        await throttle.succeeded(email: email)
        return user
    }

    /// Checks the current password, then sets the new one; other sessions end.
    func changePassword(user: User, current: String, new: String, session: String?) async throws {
        guard let hash = try await users.passwordHash(userID: user.id), try await hasher.verify(current, hash: hash)
        else { throw WebError.invalidCredentials }
        do { try Credentials.checkPassword(new, email: user.email) } catch { throw WebError.credential(error) }
        try await users.setPassword(
            userID: user.id, hash: try await hasher.hash(new), keepingSession: session.map(SecretBox.fingerprint),
            now: now())
    }
}
