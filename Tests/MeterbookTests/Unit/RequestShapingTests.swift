import Foundation
import Testing
@testable import Meterbook

@Suite struct RequestShapingTests {
    @Test func includeUsageIsAddedOnlyWhenAbsent() {
        let plain = Data(#"{"model":"gpt-4o","stream":true,"messages":[]}"#.utf8)
        #expect(String(decoding: ChatStreamOptions.ensuringIncludeUsage(plain), as: UTF8.self)
                == #"{"stream_options":{"include_usage":true},"model":"gpt-4o","stream":true,"messages":[]}"#)
        let withOptions = Data(#"{"model":"gpt-4o","stream":true,"stream_options":{"foo":1}}"#.utf8)
        #expect(String(decoding: ChatStreamOptions.ensuringIncludeUsage(withOptions), as: UTF8.self)
                == #"{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true,"foo":1}}"#)
        let emptyOptions = Data(#"{"stream":true,"stream_options":{ }}"#.utf8)
        #expect(String(decoding: ChatStreamOptions.ensuringIncludeUsage(emptyOptions), as: UTF8.self)
                == #"{"stream":true,"stream_options":{"include_usage":true }}"#)
        let explicitFalse = Data(#"{"stream":true,"stream_options":{"include_usage":false}}"#.utf8)
        #expect(ChatStreamOptions.ensuringIncludeUsage(explicitFalse) == explicitFalse)
        let notAnObject = Data("[1,2]".utf8)
        #expect(ChatStreamOptions.ensuringIncludeUsage(notAnObject) == notAnObject)
    }

    @Test func rawValuesKeepTheirBytesAndSkipNestedKeys() {
        let body = Data(#"{"a":{"usage":1},"s":"x\"usage\":2","usage" : {"n": [1, {"x":"}"}]}, "z":0}"#.utf8)
        #expect(JSONReader.rawValue(at: ["usage"], in: body) == #"{"n": [1, {"x":"}"}]}"#)
        #expect(JSONReader.rawValue(at: ["a", "usage"], in: body) == "1")
        #expect(JSONReader.rawValue(at: ["missing"], in: body) == nil)
    }

    @Test(arguments: [
        ("https://res.openai.azure.com/openai/v1/chat/completions", Provider.azureOpenAI, APIKind.chatCompletions, "res.openai.azure.com", nil as String?),
        ("https://res.openai.azure.com/openai/deployments/my-gpt/embeddings?api-version=2024-10-21", .azureOpenAI, .embeddings, "res.openai.azure.com", "2024-10-21"),
        ("https://res.services.ai.azure.com/api/projects/p1/openai/responses?api-version=2025-11-15-preview", .foundryOpenAI, .responses, "res.services.ai.azure.com", "2025-11-15-preview"),
        ("https://res.services.ai.azure.com/anthropic/v1/messages", .foundryAnthropic, .messages, "res.services.ai.azure.com", nil),
        ("https://api.anthropic.com/v1/messages", .anthropic, .messages, "api.anthropic.com", nil),
        ("https://api.openai.com/v1/responses", .openAI, .responses, "api.openai.com", nil),
        ("http://127.0.0.1:8080/openai/v1/responses/resp_1/cancel", .azureOpenAI, .responsesCancel, "127.0.0.1:8080", nil),
        ("http://localhost:80/other/path", .other, .other, "localhost", nil),
    ])
    func classification(url: String, provider: Provider, api: APIKind, endpoint: String, apiVersion: String?) {
        let description = RequestDescription(method: "POST", url: url, body: nil)
        #expect(description.provider == provider)
        #expect(description.api == api)
        #expect(description.endpoint == endpoint)
        #expect(description.apiVersion == apiVersion)
        #expect(!description.path.contains("?"))
    }

    @Test func deploymentComesFromThePathElseTheBody() {
        let path = RequestDescription(method: "POST", url: "https://r.openai.azure.com/openai/deployments/prod%20chat/chat/completions?api-version=1",
                                      body: Data(#"{"model":"ignored","stream":true}"#.utf8))
        #expect(path.deployment == "prod chat")
        #expect(path.stream)
        let body = RequestDescription(method: "POST", url: "https://r.openai.azure.com/openai/v1/responses",
                                      body: Data(#" {"input":"hi","model":"gpt-5-mini","stream":false}"#.utf8))
        #expect(body.deployment == "gpt-5-mini")
        #expect(!body.stream)
        let escaped = RequestDescription(method: "POST", url: "https://r.openai.azure.com/openai/v1/responses",
                                         body: Data(#"{"m\u006fdel":"gpt\u002d5 \"mini\"","model2":1}"#.utf8))
        #expect(escaped.deployment == #"gpt-5 "mini""#)
        #expect(RequestDescription(method: "POST", url: "https://r.openai.azure.com/openai/v1/responses",
                                   body: Data(#"{"model":42}"#.utf8)).deployment == nil)
        #expect(RequestDescription(method: "GET", url: "https://r.openai.azure.com/openai/v1/responses/resp_1", body: nil).api == .responsesRetrieve)
    }

    @Test func endpointURLs() throws {
        let v1 = try Endpoint.azureOpenAI(resource: "myres")
        #expect(try v1.url(for: .responses, deployment: nil) == "https://myres.openai.azure.com/openai/v1/responses")
        #expect(try v1.url(for: .chatCompletions, deployment: nil) == "https://myres.openai.azure.com/openai/v1/chat/completions")
        #expect(try Endpoint.azureOpenAI(baseURL: "https://myres.openai.azure.com/openai/v1/").baseURL == "https://myres.openai.azure.com")

        let dated = try Endpoint.azureOpenAI(baseURL: "https://myres.openai.azure.com/", apiVersion: "2024-10-21")
        #expect(try dated.url(for: .chatCompletions, deployment: "gpt-4o") == "https://myres.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
        #expect(try dated.url(for: .responses, deployment: "gpt-4o") == "https://myres.openai.azure.com/openai/responses?api-version=2024-10-21")
        #expect(throws: MeterbookError.self) { try dated.url(for: .embeddings, deployment: nil) }

        let project = try Endpoint.foundryProject(resource: "myres", project: "proj")
        #expect(try project.url(for: .responses, deployment: nil) == "https://myres.services.ai.azure.com/api/projects/proj/openai/responses?api-version=2025-11-15-preview")
        #expect(throws: MeterbookError.self) { try project.url(for: .messages, deployment: nil) }
        #expect(throws: MeterbookError.self) { try Endpoint.foundryProject(endpoint: "https://myres.services.ai.azure.com/") }

        let claude = try Endpoint.claudeOnFoundry(resource: "myres")
        #expect(try claude.url(for: .messages, deployment: nil) == "https://myres.services.ai.azure.com/anthropic/v1/messages")
        #expect(try Endpoint.claudeOnFoundry(baseURL: "http://127.0.0.1:9000").baseURL == "http://127.0.0.1:9000/anthropic")
        #expect(try Endpoint.claudeOnFoundry(baseURL: "https://myres.services.ai.azure.com/anthropic/").baseURL == "https://myres.services.ai.azure.com/anthropic")

        #expect(throws: MeterbookError.self) { try Endpoint.azureOpenAI(resource: "bad name!") }
        #expect(throws: MeterbookError.self) { try Endpoint.azureOpenAI(baseURL: "ftp://x") }
    }

    @Test func endpointsAndKeysFromTheSDKEnvironment() throws {
        let azure = try Endpoint.azureOpenAIFromEnvironment(["AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com", "OPENAI_API_VERSION": "2024-10-21"])
        #expect(azure.kind == .azureOpenAI(apiVersion: "2024-10-21"))
        let claude = try Endpoint.claudeOnFoundryFromEnvironment(["ANTHROPIC_FOUNDRY_RESOURCE": "r"])
        #expect(claude.baseURL == "https://r.services.ai.azure.com/anthropic")
        #expect(throws: MeterbookError.self) {
            try Endpoint.claudeOnFoundryFromEnvironment(["ANTHROPIC_FOUNDRY_RESOURCE": "r", "ANTHROPIC_FOUNDRY_BASE_URL": "https://x/anthropic"])
        }
        #expect(throws: MeterbookError.self) { try Endpoint.azureOpenAIFromEnvironment([:]) }
        guard case .apiKey(let key)? = Credential.fromEnvironment(for: claude, ["ANTHROPIC_FOUNDRY_API_KEY": "k1"]) else {
            Issue.record("no key from ANTHROPIC_FOUNDRY_API_KEY")
            return
        }
        #expect(key == "k1")
        guard case .bearer? = Credential.fromEnvironment(for: azure, ["AZURE_OPENAI_API_KEY": "k", "AZURE_OPENAI_AD_TOKEN": "t"]) else {
            Issue.record("AZURE_OPENAI_AD_TOKEN should win over the key")
            return
        }
        #expect("\(Credential.apiKey("sk-secret"))" == "apiKey(redacted)")
    }

    @Test func retryPolicyFollowsTheSDKs() {
        let openAI = RetryPolicy(maxRetries: 2, isAnthropic: false)
        for status in [408, 409, 429, 500, 502, 503, 529] { #expect(openAI.shouldRetry(status: status, headers: [:])) }
        for status in [400, 401, 403, 404, 422] { #expect(!openAI.shouldRetry(status: status, headers: [:])) }
        #expect(!openAI.shouldRetry(status: 500, headers: ["x-should-retry": "false"]))
        #expect(openAI.shouldRetry(status: 400, headers: ["x-should-retry": "true"]))
        #expect(openAI.delay(retriesDone: 0, headers: ["retry-after-ms": "250", "retry-after": "9"]) == 0.25)
        #expect(openAI.delay(retriesDone: 0, headers: ["retry-after": "2"]) == 2)
        #expect(openAI.delay(retriesDone: 0, headers: ["retry-after": "90"]) == 90)
        #expect(openAI.delay(retriesDone: 0, headers: ["retry-after": "86400"]) == nil)
        let anthropic = RetryPolicy(maxRetries: 2, isAnthropic: true)
        #expect(anthropic.delay(retriesDone: 0, headers: ["retry-after": "90"], random: 0) == 0.5)
        #expect(openAI.delay(retriesDone: 0, headers: nil, random: 0) == 0.5)
        #expect(openAI.delay(retriesDone: 1, headers: nil, random: 0.999_999)! > 0.75)
        #expect(openAI.delay(retriesDone: 10, headers: nil, random: 0) == 8)
        let date = Date(timeIntervalSinceNow: 3)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        let fromDate = RetryAfter.milliseconds(in: ["retry-after": formatter.string(from: date)]) ?? -1
        #expect((1000...3100).contains(fromDate))
    }
}
