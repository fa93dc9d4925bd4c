import HTTPTypes
import Hummingbird

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Answers the identity simulator's routes the way Entra ID, IMDS and App Service do (WIRE.md E).
struct IdentityResponder: HTTPResponder {
    typealias Context = SimulatorRequestContext

    let state: IdentityState

    func respond(to request: Request, context: SimulatorRequestContext) async throws -> Response {
        var request = request
        let body = String(decoding: try await request.collectBody(upTo: 1 << 20).readableBytesView, as: UTF8.self)
        let path = request.uri.path
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let segments = path.split(separator: "/").map(String.init)

        let route: IdentityRoute
        let tenant: String?
        let parameters: [String: String]
        if request.method == .post, segments.count == 4, segments[1...] == ["oauth2", "v2.0", "token"] {
            route = .tokenEndpoint
            tenant = segments[0]
            parameters = Self.decodeForm(body)
        } else if request.method == .get, path == "/metadata/identity/oauth2/token" {
            route = .imds
            tenant = nil
            parameters = Self.decodeForm(request.uri.query ?? "")
        } else if request.method == .get, path == "/msi/token" {
            route = .appService
            tenant = nil
            parameters = Self.decodeForm(request.uri.query ?? "")
        } else {
            return Reply.json(404, ["error": "not_found", "error_description": .string("No identity route at \(path).")])
        }

        var reply = state.nextReply(for: route)
        if case .delay(let ms) = reply {
            try await Task.sleep(for: .milliseconds(ms))
            reply = nil
        }
        let (status, json, token) = answer(route: route, reply: reply, parameters: parameters, headers: headers)
        state.record(IdentityRequest(route: route, tenant: tenant, parameters: parameters, headers: headers,
                                     status: status, issuedToken: token))
        if let json { return Reply.json(status, json) }
        return Reply.text(status, "<html>not json</html>", contentType: "text/html")
    }

    private func answer(route: IdentityRoute, reply: IdentityReply?, parameters: [String: String],
                        headers: [String: String]) -> (Int, JSON?, String?) {
        switch reply {
        case .error(let status, let error, let description)?:
            return (status, ["error": .string(error), "error_description": .string(description)], nil)
        case .noIdentity?:
            return (400, ["error": "invalid_request", "error_description": "Identity not found"], nil)
        case .garbage?:
            return (200, nil, nil)
        case .token, .delay, nil:
            break
        }
        if let problem = validate(route: route, parameters: parameters, headers: headers) { return problem }
        let configuration = state.configuration
        var lifetime = configuration.tokenLifetime
        if case .token(let expiresIn?)? = reply { lifetime = expiresIn }
        let token = state.issueToken(route)
        let expiresOn = String(Int(Date().timeIntervalSince1970) + lifetime)
        let resource = parameters["resource"] ?? ""
        switch route {
        case .tokenEndpoint:
            return (200, ["token_type": "Bearer", "expires_in": .int(lifetime), "ext_expires_in": .int(lifetime),
                          "access_token": .string(token)], token)
        case .imds:
            // IMDS sends its numbers as strings.
            return (200, ["access_token": .string(token), "client_id": .string(parameters["client_id"] ?? "system-assigned"),
                          "expires_in": .string(String(lifetime)), "expires_on": .string(expiresOn),
                          "ext_expires_in": .string(String(lifetime)), "not_before": .string(String(Int(Date().timeIntervalSince1970))),
                          "resource": .string(resource), "token_type": "Bearer"], token)
        case .appService:
            return (200, ["access_token": .string(token), "expires_on": .string(expiresOn), "resource": .string(resource),
                          "token_type": "Bearer", "client_id": .string(parameters["client_id"] ?? "system-assigned")], token)
        }
    }

    /// The checks the real endpoints make, with their error shapes; nil when the request is acceptable.
    private func validate(route: IdentityRoute, parameters: [String: String], headers: [String: String]) -> (Int, JSON?, String?)? {
        func error(_ status: Int, _ code: String, _ description: String) -> (Int, JSON?, String?) {
            (status, ["error": .string(code), "error_description": .string(description)], nil)
        }
        let configuration = state.configuration
        switch route {
        case .tokenEndpoint:
            guard parameters["grant_type"] == "client_credentials" else {
                return error(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
            }
            guard let client = parameters["client_id"], !client.isEmpty, let scope = parameters["scope"], !scope.isEmpty else {
                return error(400, "invalid_request", "AADSTS900144: The request body must contain client_id and scope.")
            }
            if let secret = parameters["client_secret"] {
                if let expected = configuration.clientSecret, secret != expected {
                    return error(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 00000000")
                }
            } else if parameters["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                      let assertion = parameters["client_assertion"], !assertion.isEmpty {
                if let expected = configuration.federatedToken, assertion != expected {
                    return error(401, "invalid_client", "AADSTS700211: No matching federated identity record found for presented assertion.")
                }
            } else {
                return error(401, "invalid_client", "AADSTS7000216: 'client_assertion', 'client_secret' or 'request' is required.")
            }
        case .imds:
            guard headers["metadata"] == "true" else {
                return error(400, "invalid_request", "Required metadata header not specified")
            }
            guard parameters["api-version"] != nil, parameters["resource"] != nil else {
                return error(400, "invalid_request", "Required query variable 'resource' or 'api-version' is missing")
            }
        case .appService:
            guard headers["x-identity-header"] == configuration.appServiceHeader else {
                return (401, ["statusCode": 401, "message": "Unauthorized request"], nil)
            }
            guard parameters["api-version"] == "2019-08-01", parameters["resource"] != nil else {
                return error(400, "invalid_request", "api-version 2019-08-01 and resource are required")
            }
        }
        return nil
    }

    /// `a=1&b=x%2By` (form bodies and query strings; `+` is a space).
    static func decodeForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            fields[percentDecode(parts[0])] = parts.count > 1 ? percentDecode(parts[1]) : ""
        }
        return fields
    }

    /// `%XX` escapes decoded as UTF-8 and `+` as a space; a malformed escape is kept as written.
    static func percentDecode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                      let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
