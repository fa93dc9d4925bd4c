import Foundation

/// Reads the JSON answers of the token endpoint, IMDS, App Service and `az account get-access-token`.
enum TokenResponse {
    /// `access_token` (or `accessToken`), expiring at `expires_on` (epoch seconds as a number or string, or App
    /// Service's 2017 date), else now + `expires_in`. nil when there is no token or no expiry.
    static func parse(_ body: Data, now: Date = Date()) -> AccessToken? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        guard let token = (object["access_token"] ?? object["accessToken"]) as? String, !token.isEmpty else { return nil }
        let expiresOn: Date
        if let epoch = number(object["expires_on"]) {
            expiresOn = Date(timeIntervalSince1970: epoch)
        } else if let text = object["expires_on"] as? String, let date = appService2017Date(text) {
            expiresOn = date
        } else if let seconds = number(object["expires_in"]) {
            expiresOn = now.addingTimeInterval(seconds)
        } else if let text = object["expiresOn"] as? String, let date = azureCLILocalDate(text) {
            expiresOn = date
        } else {
            return nil
        }
        let refreshOn = number(object["refresh_in"]).map { now.addingTimeInterval($0) }
        return AccessToken(token: token, expiresOn: expiresOn, refreshOn: refreshOn)
    }

    /// `error: error_description` of an OAuth or IMDS error body: first line, cut to 300 characters,
    /// with `secrets` blanked in case a server echoes one. nil when the body is not such JSON.
    static func errorSummary(_ body: Data, secrets: [String] = []) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        var code = object["error"] as? String
        var detail = (object["error_description"] ?? object["message"]) as? String
        if let nested = object["error"] as? [String: Any] {
            code = nested["code"] as? String
            detail = nested["message"] as? String
        }
        let firstLine = detail?.split(whereSeparator: \.isNewline).first.map(String.init)
        let text = [code, firstLine].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ": ")
        guard !text.isEmpty else { return nil }
        return redact(String(text.prefix(300)), secrets: secrets)
    }

    /// `text` with every non-trivial secret replaced by `[redacted]`.
    static func redact(_ text: String, secrets: [String]) -> String {
        secrets.filter { $0.count >= 4 }.reduce(text) { $0.replacingOccurrences(of: $1, with: "[redacted]") }
    }

    private static func number(_ value: Any?) -> Double? {
        switch value {
        case let text as String: return Double(text.trimmingCharacters(in: .whitespaces))
        case let int as Int: return Double(int)
        case let double as Double: return double
        case let number as NSNumber: return number.doubleValue
        default: return nil
        }
    }

    /// App Service's 2017-09-01 API: `11/25/2026 10:00:00 PM +00:00`.
    private static func appService2017Date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "MM/dd/yyyy hh:mm:ss a xxx"
        return formatter.date(from: text)
    }

    /// The Azure CLI's `expiresOn`: naive local time, `2025-01-01 12:00:00.000000` (WIRE.md E).
    static func azureCLILocalDate(_ text: String, timeZone: TimeZone = .current) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        for format in ["yyyy-MM-dd HH:mm:ss.SSSSSS", "yyyy-MM-dd HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
