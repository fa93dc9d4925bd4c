import ArgumentParser
import Meterbook

/// `--auth key|entra`.
enum AuthOption: String, ExpressibleByArgument, CaseIterable {
    case key, entra

    var mode: AuthMode {
        switch self {
        case .key: return .key
        case .entra: return .entra
        }
    }
}
