import Foundation

/// Python's standard library as an independent judge of what Meterbook writes: its csv module parses CSV by
/// RFC 4180's rules, xml.etree checks that the HTML report is well-formed.
public enum Python {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs a Python program with `input` on stdin and returns its stdout.
    public static func run(_ program: String, input: Data, arguments: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", program] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // Write and read on separate threads so neither pipe fills while the other waits.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "python3 failed: " + String(decoding: errors, as: UTF8.self))
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Rows of a CSV document as Python's csv.reader reads them (quotes, doubled quotes, CRLF inside fields).
    public static func parseCSV(_ text: String) throws -> [[String]] {
        let program = """
            import csv, io, json, sys
            rows = list(csv.reader(io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline=''), strict=True))
            print(json.dumps(rows))
            """
        let json = try run(program, input: Data(text.utf8))
        return try JSONDecoder().decode([[String]].self, from: Data(json.utf8))
    }

    /// Parses the document as XML; throws with the parser's message when it is not well-formed.
    public static func checkWellFormedXML(_ text: String) throws {
        let program = """
            import sys, xml.etree.ElementTree as ET
            ET.fromstring(sys.stdin.buffer.read())
            print("ok")
            """
        _ = try run(program, input: Data(text.utf8))
    }

    /// The text content of every element matching an ElementPath (namespaces stripped), e.g. `.//td`.
    public static func xmlTexts(_ text: String, path: String) throws -> [String] {
        let program = """
            import sys, json, xml.etree.ElementTree as ET
            root = ET.fromstring(sys.stdin.buffer.read())
            for element in root.iter():
                if isinstance(element.tag, str) and '}' in element.tag:
                    element.tag = element.tag.split('}', 1)[1]
            print(json.dumps([''.join(e.itertext()) for e in root.findall(sys.argv[1])]))
            """
        let json = try run(program, input: Data(text.utf8), arguments: [path])
        return try JSONDecoder().decode([String].self, from: Data(json.utf8))
    }
}

extension Python {
    /// Runs SQL on a database file with Python's own sqlite3 module, outside Meterbook (to build odd files and
    /// to look at what Meterbook left behind). Returns the last statement's rows.
    @discardableResult
    public static func sqlite(_ path: String, _ sql: String) throws -> [[String]] {
        let program = """
            import json, sqlite3, sys
            connection = sqlite3.connect(sys.argv[1], isolation_level=None)
            rows = []
            for statement in [s for s in sys.stdin.read().split(';') if s.strip()]:
                rows = connection.execute(statement).fetchall()
            connection.close()
            print(json.dumps([[str(value) for value in row] for row in rows]))
            """
        let json = try run(program, input: Data(sql.utf8), arguments: [path])
        return try JSONDecoder().decode([[String]].self, from: Data(json.utf8))
    }
}
