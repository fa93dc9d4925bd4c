extension SimulatedFault {
    /// True when the model produced (part of) an answer: success, streams that fail later, and
    /// malformed 200 bodies. False for errors the service or its gateway answers on its own.
    var reachesModel: Bool {
        switch self {
        case .ok, .delay, .truncatedJSON, .wrongShape, .midStreamError, .responseFailed, .streamCut: true
        case .throttle, .serverError, .noRetryServerError, .badRequest, .contentFilter, .unauthorized, .htmlBadGateway: false
        }
    }
}
