import Hummingbird
import NIOCore

/// Hummingbird's basic context plus the connection, so a stream's relay can watch for the client hanging up.
struct ProxyRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }
}
