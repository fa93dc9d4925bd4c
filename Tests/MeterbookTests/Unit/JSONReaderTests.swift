import Foundation
import Testing
@testable import Meterbook

@Suite struct JSONReaderTests {
    static let documents = [
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1732000000,"model":"gpt-4o-2024-11-20","choices":[{"index":0,"message":{"role":"assistant","content":"Hi \"there\" \\ \/ \u00e9 \ud83d\ude00","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":-3.5e+2,"total_tokens":0.25,"flags":[true,false,null,[],{}]}}"#,
        " \n\t[1, -0, 0.5, 1E9, \"x\", {\"a\" : {\"b\" : [ ]}} ]\r\n",
        #""just a string""#,
        "42",
        "{}",
    ]

    @Test func acceptsExactlyWhatJSONSerializationAccepts() {
        var cases: [String] = []
        for document in Self.documents {
            let characters = Array(document)
            // Every prefix: truncated bodies are the failure metering meets most.
            for length in 0...characters.count { cases.append(String(characters[0..<length])) }
        }
        cases += [
            "{\"a\":tru}", "{\"a\":nul}", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]", "{\"a\" 1}", "{\"a\":1,}", "[1,]", "[,]", "{,}", "[1,,]",
            "{'a':1}", "{a:1}", "[\"\\x\"]", "[\"\\u12\"]", "[\"tab\there\"]", "[1] [2]", "[1]x", "nulls", "<html>502</html>",
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        ]
        for text in cases {
            let foundation = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) != nil
            #expect((JSONReader(text) != nil) == foundation, "\(text.prefix(80))")
        }
    }

    @Test func readsMembersElementsAndStringsInPlace() throws {
        let reader = try #require(JSONReader(Self.documents[0]))
        #expect(reader.kind(reader.root) == .object)
        #expect(reader.string(reader.member("id", of: reader.root)) == "chatcmpl-1")
        #expect(reader.string(reader.member("created", of: reader.root)) == "1732000000")
        let message = try #require(reader.value(at: "choices"))
        let choices = reader.elements(of: message)
        #expect(choices.count == 1)
        let content = reader.value(at: "message", "content", from: choices[0])
        #expect(reader.string(content) == "Hi \"there\" \\ / é 😀")
        #expect(reader.isNonEmptyString(content))
        #expect(reader.kind(try #require(reader.value(at: "message", "refusal", from: choices[0]))) == .null)
        let usage = try #require(reader.member("usage", of: reader.root))
        #expect(reader.text(usage).hasPrefix(#"{"prompt_tokens":12,"#))
        #expect(JSONValue.int(reader.dictionary(usage)?["prompt_tokens"]) == 12)
        let flags = reader.elements(of: try #require(reader.member("flags", of: usage)))
        #expect(flags.map { reader.kind($0) } == [.bool, .bool, .null, .array, .object])
        #expect(!reader.isNonEmptyArray(flags[3]) && reader.isNonEmptyArray(reader.member("flags", of: usage)))
        #expect(reader.member("absent", of: reader.root) == nil)
        #expect(reader.members(["usage", "id", "absent"], of: reader.root)
                == [reader.member("usage", of: reader.root), reader.member("id", of: reader.root), nil])
        #expect(reader.member("id", of: message) == nil, "not an object")
    }

    @Test func escapedKeysAndRepeatedKeys() throws {
        let reader = try #require(JSONReader(#"{"mod\u0065l":"a","model":"b","x":{"model":"inner"}}"#))
        // As JSONSerialization: the last of repeated keys wins, and an escaped name is the same name.
        #expect(reader.string(reader.member("model", of: reader.root)) == "b")
        let foundation = try #require(JSONValue.object(#"{"mod\u0065l":"a","model":"b"}"#))
        #expect(foundation["model"] as? String == "b")
    }

    @Test func emptyAndPrefixKeysMatchOnlyThemselves() throws {
        let reader = try #require(JSONReader(#"{"":1,"mod":2,"model":3,"models":4}"#))
        #expect(reader.text(try #require(reader.member("", of: reader.root))) == "1")
        let fields = reader.members(["model", "mod", "", "mode"], of: reader.root)
        #expect(fields.map { $0.map(reader.text) } == ["3", "2", "1", nil])
    }

    @Test func dictionariesAreWhatJSONSerializationGives() throws {
        let objects = [
            #"{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":null},"completion_tokens_details":{"reasoning_tokens":0,"accepted_prediction_tokens":0}}"#,
            #"{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":-0,"output_tokens":1,"service_tier":"standard","cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"server_tool_use":null}"#,
            #"{"message":"Rate limit is exceeded. Try again in 86400 seconds.","type":"requests","param":null,"code":"429","inner":[1,"x",true,false,null,{}]}"#,
            #"{"a":1.5,"b":1e3,"c":-2.0}"#,
            #"{"big":123456789012345678901234,"max":999999999999999999,"neg":-999999999999999999}"#,
            #"{"escaped":"line\nbreak \u00e9","k\u0065y":1,"dup":1,"dup":2}"#,
            #"{ "spaced" : [ 1 , 2 ] , "empty" : { } , "list" : [ ] }"#,
            #"{"n":"unicode é 😀","nested":{"deeper":{"deepest":[[[]]]}}}"#,
        ]
        for text in objects {
            let reader = try #require(JSONReader(text))
            let ours = try #require(reader.dictionary(reader.root))
            let foundation = try #require(JSONValue.object(text))
            #expect(JSONValue.text(ours) == JSONValue.text(foundation), "\(text)")
            for key in foundation.keys {
                #expect(JSONValue.int(ours[key]) == JSONValue.int(foundation[key]), "\(key) in \(text)")
                #expect(JSONValue.string(ours[key]) == JSONValue.string(foundation[key]), "\(key) in \(text)")
                #expect((ours[key] is NSNull) == (foundation[key] is NSNull))
            }
        }
    }
}
