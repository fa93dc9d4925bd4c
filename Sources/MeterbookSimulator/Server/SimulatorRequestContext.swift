import Hummingbird
import NIOCore

/// Request context that also carries the client's address, for `/_sim/connection`.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// `ip:port` of the peer; a keep-alive connection keeps the same one across requests.
    let remoteAddress: String

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        if let address = source.channel.remoteAddress, let ip = address.ipAddress, let port = address.port {
            self.remoteAddress = "\(ip):\(port)"
        } else {
            self.remoteAddress = "unknown"
        }
    }

    /// Bodies of API requests can be large (long prompts, embedding batches).
    var maxUploadSize: Int { 64 * 1024 * 1024 }
}
