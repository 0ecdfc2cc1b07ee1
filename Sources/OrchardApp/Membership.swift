package import Foundation
package import OrchardCore
package import OrchardStorage

/// Who may use this Orchard: sign-up, sign-in, sessions, API tokens and password changes, the same
/// for pages and the API. Every refusal a person can act on is a ``MembershipError``.
package struct Membership: Sendable {
    /// How long a browser session lasts.
    package static let sessionLifetime: TimeInterval = 14 * 86_400
    /// How long a login token lasts after its last use.
    package static let loginTokenLifetime: TimeInterval = 30 * 86_400

    private let users: UserStore
    private let sessions: SessionStore
    private let hasher: PasswordHasher
    private let throttle: SignInThrottle
    /// Sign-ups per client address: each costs a bcrypt hash and may make an account, so an address
    /// gets `signUpsPerAddress` at once, then waits 2 s, 4 s, … (at most 15 minutes) between them.
    private let signUps: SignInThrottle
    package static let signUpsPerAddress = 20
    private let now: @Sendable () -> Date
    private let admissions: AdmissionStore
    /// Whether anyone may sign up once there is an operator (`ORCHARD_SIGNUP`).
    package let signUpOpen: Bool
    /// How long an invitation link works.
    package static let invitationLifetime: TimeInterval = 7 * 86_400

    package init(
        database: OrchardDatabase, hasher: PasswordHasher, signUpOpen: Bool = true,
        now: @escaping @Sendable () -> Date
    ) {
        users = UserStore(database: database)
        admissions = AdmissionStore(database: database)
        self.signUpOpen = signUpOpen
        sessions = SessionStore(database: database)
        self.hasher = hasher
        throttle = SignInThrottle(now: now)
        signUps = SignInThrottle(free: Self.signUpsPerAddress, now: now)
        self.now = now
    }

    /// What signing up or in grants: a browser session, or an API token for a script.
    package enum Grant: Sendable {
        case session
        /// A bearer token for a script that signed in: it expires 30 days after its last use and
        /// dies with a password change.
        case loginToken(name: String)
        /// A named token the user made on the API-tokens page: it lasts until revoked.
        case apiToken(name: String)
    }

    /// What a person brings to sign up besides their address and password.
    package struct Pass: Sendable {
        /// The setup code `orchard serve` printed: the first user needs it.
        package var setupCode: String?
        /// The token of an operator's invitation link: needed when sign-up is closed.
        package var invitation: String?

        package init(setupCode: String? = nil, invitation: String? = nil) {
            self.setupCode = setupCode?.isEmpty == true ? nil : setupCode
            self.invitation = invitation?.isEmpty == true ? nil : invitation
        }
    }

    /// Signs up, then grants `grant`: the user and the grant's secret (shown once, stored hashed).
    /// Throttled per client address. The first user needs the setup code and becomes the operator;
    /// after that, a closed instance needs an invitation for the address.
    package func signUp(
        email: String, password: String, pass: Pass = Pass(), from address: String?, granting grant: Grant
    ) async throws -> (User, String) {
        if let address, let wait = await signUps.reserve(address: address) {
            throw MembershipError.tooManyAttempts(retryAfter: wait)
        }
        let user = try await signUp(email: email, password: password, pass: pass)
        return (user, try await secret(of: grant, for: user))
    }

    /// What the sign-up page asks for: the setup code while nobody has signed up; otherwise an
    /// invitation when sign-up is closed (the address it is for, when the link is one).
    package enum SignUpForm: Sendable, Equatable {
        case firstOperator
        case open(invitedEmail: String?)
        case byInvitation(invitedEmail: String?)

        /// The address of the invitation the person came with, when it is open.
        package var invitedEmail: String? {
            switch self {
            case .firstOperator: nil
            case .open(let email), .byInvitation(let email): email
            }
        }
    }

    package func signUpForm(invitation: String?) async throws -> SignUpForm {
        if try await users.isEmpty() { return .firstOperator }
        var invited: String?
        if let invitation, !invitation.isEmpty, invitation.utf8.count <= 128 {
            invited = try await admissions.email(invitation: invitation, now: now())
        }
        return signUpOpen ? .open(invitedEmail: invited) : .byInvitation(invitedEmail: invited)
    }

    /// A fresh setup code while nobody has signed up (`orchard serve` prints it), nil afterwards.
    package func issueSetupCode() async throws -> String? {
        try await admissions.issueSetupCode(now: now())
    }

    // MARK: Invitations

    /// An invitation link's token for `email`, valid for 7 days; operators only.
    package func invite(email raw: String, by user: User) async throws -> (AdmissionStore.Invitation, String) {
        guard user.role == .operator else { throw MembershipError.operatorOnly }
        let email: String
        do { email = try Credentials.email(raw) } catch { throw MembershipError.credential(error) }
        return try await admissions.invite(email: email, by: user.id, lifetime: Self.invitationLifetime, now: now())
    }

    package func invitations(for user: User) async throws -> [AdmissionStore.Invitation] {
        guard user.role == .operator else { throw MembershipError.operatorOnly }
        return try await admissions.open(now: now())
    }

    package func revokeInvitation(id: Int64, by user: User) async throws {
        guard user.role == .operator else { throw MembershipError.operatorOnly }
        guard try await admissions.revoke(id: id, by: user.id, now: now()) else { throw MembershipError.unknownToken }
    }

    /// Signs in, then grants `grant`: the user and the grant's secret (a fresh session, never one
    /// the visitor brought).
    package func signIn(email: String, password: String, from address: String?, granting grant: Grant) async throws
        -> (User, String)
    {
        let user = try await signIn(email: email, password: password, from: address)
        return (user, try await secret(of: grant, for: user))
    }

    private func secret(of grant: Grant, for user: User) async throws -> String {
        switch grant {
        case .session: try await startSession(for: user)
        case .loginToken(let name):
            try await sessions.issueToken(userID: user.id, name: name, sliding: Self.loginTokenLifetime, now: now()).1
        case .apiToken(let name): try await issueToken(for: user, name: name).1
        }
    }

    /// A new user: the address normalised and checked, the password checked and hashed.
    private func signUp(email raw: String, password: String, pass: Pass) async throws -> User {
        let email: String
        do {
            email = try Credentials.email(raw)
            try Credentials.checkPassword(password, email: email)
        } catch { throw MembershipError.credential(error) }
        guard (pass.setupCode?.utf8.count ?? 0) <= 64, (pass.invitation?.utf8.count ?? 0) <= 128 else {
            throw pass.setupCode == nil ? MembershipError.invitationUnusable : MembershipError.setupCodeRequired
        }
        let hash = try await hasher.hash(password)
        let admission = UserStore.Admission(
            setupCodeHash: pass.setupCode.map(SetupCode.hash),
            invitationHash: pass.invitation.map(SecretBox.fingerprint),
            open: signUpOpen)
        do {
            return try await users.create(email: email, passwordHash: hash, now: now(), admission: admission)
        } catch let failure as UserStore.Failure {
            switch failure {
            case .emailTaken: throw MembershipError.emailTaken
            case .setupCodeRequired: throw MembershipError.setupCodeRequired
            case .invitationRequired: throw MembershipError.invitationRequired
            case .invitationUnusable: throw MembershipError.invitationUnusable
            case .unknownUser(let email): throw MembershipError.unknownUser(email)
            }
        }
    }

    /// The user whose address and password these are; throttled per address and per peer.
    ///
    /// No address is longer than 254 characters nor any bcrypt password longer than 72 bytes (it
    /// reads no further): longer ones are refused before anything is kept or hashed. The attempt is
    /// reserved with the throttle before the password is hashed, so attempts sent at once are
    /// counted at once.
    private func signIn(email raw: String, password: String, from address: String?) async throws -> User {
        let email = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.utf8.count <= Self.longestEmail, password.utf8.count <= 1_024 else {
            throw MembershipError.invalidCredentials
        }
        if let wait = await throttle.reserve(email: email, address: address) {
            throw MembershipError.tooManyAttempts(retryAfter: wait)
        }
        guard let (user, hash) = try await users.credentials(email: email) else {
            try await hasher.verifyUnknown(password)
            throw MembershipError.invalidCredentials
        }
        guard try await hasher.verify(password, hash: hash) else {
            throw MembershipError.invalidCredentials
        }
        await throttle.succeeded(email: email, address: address)
        return user
    }

    /// The longest e-mail address there is (RFC 5321's path limit less its brackets).
    static let longestEmail = 254

    /// Checks the current password, then sets the new one; other sessions end.
    package func changePassword(user: User, current: String, new: String, session: String?) async throws {
        guard let hash = try await users.passwordHash(userID: user.id), try await hasher.verify(current, hash: hash)
        else { throw MembershipError.invalidCredentials }
        do { try Credentials.checkPassword(new, email: user.email) } catch {
            throw MembershipError.credential(error)
        }
        try await users.setPassword(
            userID: user.id, hash: try await hasher.hash(new), keepingSession: session.map(SecretBox.fingerprint),
            now: now())
    }

    /// Makes the user with this address an operator (the first user, who signed up with the setup code, is one already).
    package func promote(email raw: String) async throws -> User {
        let email: String
        do { email = try Credentials.email(raw) } catch { throw MembershipError.credential(error) }
        do {
            return try await users.promote(email: email, now: now())
        } catch UserStore.Failure.unknownUser {
            throw MembershipError.unknownUser(email)
        }
    }

    // MARK: Sessions and API tokens

    /// The user a browser session belongs to, while it lasts.
    package func user(session: String) async throws -> User? {
        try await sessions.user(session: session, now: now())
    }

    /// The session's user with their readable accounts, read together (one round trip).
    package func viewer(session: String) async throws -> SessionStore.Viewer? {
        try await sessions.viewer(session: session, now: now())
    }

    /// The API token's user with their readable accounts, read together (one round trip).
    package func viewer(apiToken: String) async throws -> SessionStore.Viewer? {
        try await sessions.viewer(apiToken: apiToken, sliding: Self.loginTokenLifetime, now: now())
    }

    /// The user an API token belongs to, unless it was revoked.
    package func user(apiToken: String) async throws -> User? {
        try await sessions.user(apiToken: apiToken, sliding: Self.loginTokenLifetime, now: now())
    }

    /// Ends the caller's own bearer token (`DELETE /api/v1/auth/token`).
    package func endToken(_ secret: String) async throws {
        guard try await sessions.endToken(secret) else { throw MembershipError.unknownToken }
    }

    /// A fresh session secret for the user (sign-in rotates it: never one the visitor brought).
    private func startSession(for user: User) async throws -> String {
        try await sessions.start(userID: user.id, now: now(), lifetime: Self.sessionLifetime)
    }

    package func endSession(_ session: String) async throws {
        try await sessions.end(session: session)
    }

    /// A new API token named `name`; its secret is returned once and stored only as a hash.
    package func issueToken(for user: User, name: String) async throws -> (SessionStore.APIToken, String) {
        try await sessions.issueToken(userID: user.id, name: name, now: now())
    }

    package func tokens(of user: User) async throws -> [SessionStore.APIToken] {
        try await sessions.tokens(userID: user.id)
    }

    package func revokeToken(id: Int64, of user: User) async throws {
        guard try await sessions.revokeToken(id: id, userID: user.id) else { throw MembershipError.unknownToken }
    }
}
