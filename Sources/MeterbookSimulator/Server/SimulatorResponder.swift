import HTTPTypes
import Hummingbird

/// Routes every request: `/_sim/...` control and transport-test routes, then the simulated APIs.
struct SimulatorResponder: HTTPResponder {
    typealias Context = SimulatorRequestContext

    let core: SimulatorCore

    func respond(to request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let body = Array(try await request.collectBody(upTo: context.maxUploadSize).readableBytesView)
        let path = request.uri.path

        if path == "/_sim" || path.hasPrefix("/_sim/") {
            if let response = ControlRoutes(core: core).respond(method: request.method, path: path, body: body) {
                return response
            }
            if let response = await TransportTestRoutes().respond(to: request, body: body, remoteAddress: context.remoteAddress) {
                return response
            }
            return Reply.text(404, "unknown simulator route \(path)\n", contentType: "text/plain")
        }

        if request.method == .post, let route = APIRoute.match(path: path) {
            return await APIHandler(core: core).handle(request, route: route, body: body)
        }
        if path.hasPrefix("/anthropic/") {
            return Reply.json(404, ServiceErrors.anthropic(type: "not_found_error", message: "Not Found", requestID: nil))
        }
        return Reply.json(404, ServiceErrors.azure(code: "404", message: "Resource not found"))
    }
}
