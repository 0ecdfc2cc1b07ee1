/// Why the world refused a change; the control API and the console map these to answers.
package enum SandboxWorldError: Error, Sendable, Equatable {
    case unknownAccount(Int)
    case unknownAppleID(String)
    case appleIDTaken(String)
    case unknownInvitation(String)
    case invitationExpired(String)
    case invitationNotPending(String)
    case alreadyMember(String)
    case alreadyInvited(String)
    case notMember(String)
    case invalid(String)

    /// A snake_case code, as Orchard's JSON errors use.
    package var code: String {
        switch self {
        case .unknownAccount: return "unknown_account"
        case .unknownAppleID: return "unknown_apple_id"
        case .appleIDTaken: return "apple_id_taken"
        case .unknownInvitation: return "unknown_invitation"
        case .invitationExpired: return "invitation_expired"
        case .invitationNotPending: return "invitation_not_pending"
        case .alreadyMember: return "already_member"
        case .alreadyInvited: return "already_invited"
        case .notMember: return "not_member"
        case .invalid: return "invalid_request"
        }
    }

    /// A sentence for people.
    package var message: String {
        switch self {
        case .unknownAccount(let number): return "There is no account \(number)."
        case .unknownAppleID(let id): return "There is no Apple ID \(id)."
        case .appleIDTaken(let id): return "The Apple ID \(id) already exists."
        case .unknownInvitation(let id): return "There is no invitation \(id)."
        case .invitationExpired(let id): return "The invitation \(id) has expired."
        case .invitationNotPending(let id): return "The invitation \(id) is no longer pending."
        case .alreadyMember(let email): return "\(email) is already a user of this account."
        case .alreadyInvited(let email): return "\(email) already has a pending invitation to this account."
        case .notMember(let email): return "\(email) is not a user of this account."
        case .invalid(let reason): return reason
        }
    }
}
