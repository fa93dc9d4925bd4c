import Foundation

extension String {
    /// The string without leading and trailing `CharacterSet.whitespaces`.
    ///
    /// Foundation's trimming bridges to `NSString` on Linux even when there is nothing to trim; header values and
    /// model names, trimmed on every call, almost never need it. Ends that are visible ASCII characters are
    /// settled here; anything else (a space, a tab, any non-ASCII scalar) is left to Foundation's own set.
    public func trimmingWhitespace() -> String {
        guard let first = utf8.first, let last = utf8.last, first.isVisibleASCII, last.isVisibleASCII else {
            return isEmpty ? self : trimmingCharacters(in: .whitespaces)
        }
        return self
    }
}

private extension UInt8 {
    var isVisibleASCII: Bool { self > 0x20 && self < 0x7F }
}
