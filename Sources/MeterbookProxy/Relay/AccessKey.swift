import HTTPTypes

/// Checks the proxy access key a client presented, in time independent of where the values differ.
enum AccessKey {
    /// Whether `fields` carry `key` in `x-meterbook-key`, or (when the proxy injects the upstream credential,
    /// so the SDK's own key setting is free) as `api-key`, `x-api-key` or `Authorization: Bearer`.
    static func presented(in fields: HTTPFields, matches key: String, acceptAPIKeyHeaders: Bool) -> Bool {
        var candidates: [String] = []
        for field in fields {
            switch field.name.canonicalName {
            case ForwardedHeaders.accessKeyHeader:
                candidates.append(field.value)
            case "api-key" where acceptAPIKeyHeaders, "x-api-key" where acceptAPIKeyHeaders:
                candidates.append(field.value)
            case "authorization" where acceptAPIKeyHeaders:
                let value = field.value
                if value.count > 7, value.prefix(7).lowercased() == "bearer " { candidates.append(String(value.dropFirst(7))) }
            default:
                continue
            }
        }
        // Every candidate is compared in full, so timing says nothing about which one matched.
        var matched = false
        for candidate in candidates where equalInConstantTime(candidate, key) { matched = true }
        return matched
    }

    static func equalInConstantTime(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
