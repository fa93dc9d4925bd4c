import Foundation

/// Where the database lives: `--db PATH`, else `$METERBOOK_DB`, else `$XDG_DATA_HOME/meterbook/meterbook.sqlite`
/// (`~/.local/share/meterbook/meterbook.sqlite` when XDG_DATA_HOME is unset).
public enum StoreLocation {
    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return expand(explicit) }
        if let fromEnvironment = environment["METERBOOK_DB"], !fromEnvironment.isEmpty { return expand(fromEnvironment) }
        let dataHome: String
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            dataHome = xdg
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            dataHome = (home as NSString).appendingPathComponent(".local/share")
        }
        return ((dataHome as NSString).appendingPathComponent("meterbook") as NSString).appendingPathComponent("meterbook.sqlite")
    }

    static func expand(_ path: String) -> String {
        (path as NSString).expandingTildeInPath
    }
}
