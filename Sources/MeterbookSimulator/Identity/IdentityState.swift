import NIOConcurrencyHelpers

/// The identity simulator's scripted replies, request log and token counter, behind one lock.
final class IdentityState: Sendable {
    private struct Values {
        var scripts: [IdentityRoute: [IdentityReply]] = [:]
        var log: [IdentityRequest] = []
        var issued = 0
    }

    let configuration: IdentitySimulator.Configuration
    private let values = NIOLockedValueBox(Values())

    init(configuration: IdentitySimulator.Configuration) {
        self.configuration = configuration
    }

    func enqueue(_ replies: [IdentityReply], for route: IdentityRoute) {
        values.withLockedValue { $0.scripts[route, default: []].append(contentsOf: replies) }
    }

    func nextReply(for route: IdentityRoute) -> IdentityReply? {
        values.withLockedValue { values in
            guard var queue = values.scripts[route], !queue.isEmpty else { return nil }
            let reply = queue.removeFirst()
            values.scripts[route] = queue
            return reply
        }
    }

    func issueToken(_ route: IdentityRoute) -> String {
        values.withLockedValue { values in
            values.issued += 1
            return "\(IdentitySimulator.tokenPrefix)\(route.rawValue)-\(values.issued)"
        }
    }

    func record(_ request: IdentityRequest) {
        values.withLockedValue { $0.log.append(request) }
    }

    func requests() -> [IdentityRequest] {
        values.withLockedValue { $0.log }
    }
}
