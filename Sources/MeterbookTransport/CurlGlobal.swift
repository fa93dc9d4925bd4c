import CCurl

/// libcurl's process-wide initialisation, which is not thread-safe and must run once
/// before any handle exists; a `static let` gives exactly that.
enum CurlGlobal {
    static let initResult: CURLcode = curlshim_global_init_all()

    /// Nil when libcurl is ready, otherwise the reason it is not.
    static var initError: TransportError? {
        let code = initResult
        guard code != CURLE_OK else { return nil }
        return TransportError(
            code: .other,
            message: "libcurl failed to initialise: \(String(cString: curl_easy_strerror(code))).",
            curlCode: Int(code.rawValue))
    }
}
