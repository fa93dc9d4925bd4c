import Foundation

/// Reads how long a service asked the client to wait: `retry-after-ms`, else `retry-after` as seconds or an HTTP date.
enum RetryAfter {
    static func milliseconds(in headers: HTTPHeaders, now: Date = Date()) -> Int? {
        if let value = headers["retry-after-ms"].flatMap({ Double($0.trimmingWhitespace()) }), value.isFinite, value >= 0 {
            return Int(value.rounded())
        }
        guard let text = headers["retry-after"]?.trimmingWhitespace(), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 {
            return Int((seconds * 1000).rounded())
        }
        if let date = httpDate(text) {
            return max(0, Int((date.timeIntervalSince(now) * 1000).rounded()))
        }
        return nil
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
