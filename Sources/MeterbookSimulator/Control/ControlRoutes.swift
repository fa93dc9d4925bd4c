import HTTPTypes
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `/_sim/script`, `/_sim/served`, `/_sim/reset`: drive the simulator from another process
/// (the `meterbook simulate` CLI, Python SDK tests).
struct ControlRoutes: Sendable {
    let core: SimulatorCore

    /// The body of `POST /_sim/script`.
    struct ScriptRequest: Decodable {
        var faults: [SimulatedFault]
        var deployment: String?
    }

    /// nil when `path` is not a control route.
    func respond(method: HTTPRequest.Method, path: String, body: [UInt8]) -> Response? {
        switch (method, path) {
        case (.post, "/_sim/script"):
            do {
                let script = try JSONDecoder().decode(ScriptRequest.self, from: Data(body))
                core.enqueue(script.faults, deployment: script.deployment)
                return Reply.json(200, ["queued": .int(script.faults.count), "deployment": .orNull(script.deployment)])
            } catch {
                return Reply.json(
                    400,
                    ["error": .string("Expected {\"faults\":[...],\"deployment\":\"optional\"}; a fault is \"name\" or {\"type\":\"name\",...}: \(error)")])
            }
        case (.get, "/_sim/served"):
            let encoder = JSONEncoder()
            // Sorted keys: the same run gives the same bytes.
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(core.served())) ?? Data("[]".utf8)
            return Reply.text(200, String(decoding: data, as: UTF8.self), contentType: "application/json")
        case (.post, "/_sim/reset"):
            core.reset()
            return Reply.json(200, ["reset": true])
        case (.get, "/_sim/health"):
            return Reply.text(200, "ok", contentType: "text/plain")
        default:
            return nil
        }
    }
}
