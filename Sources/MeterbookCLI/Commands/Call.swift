import ArgumentParser
import Foundation
import Meterbook

extension MeterbookCommand {
    /// The Azure quick-start sample as a command: send one prompt, print the answer, record the call.
    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send one prompt to Azure OpenAI, a Foundry project or Claude on Foundry, and record the call.",
            discussion: """
                The endpoint comes from --endpoint, else AZURE_OPENAI_ENDPOINT (or, for --api messages, \
                ANTHROPIC_FOUNDRY_RESOURCE / ANTHROPIC_FOUNDRY_BASE_URL). The key comes from AZURE_OPENAI_API_KEY \
                or ANTHROPIC_FOUNDRY_API_KEY (AZURE_OPENAI_AD_TOKEN for a bearer token); it is never recorded.
                With --auth entra (or [auth] mode = "entra" in meterbook.toml), Entra ID tokens come from the \
                environment, workload identity, managed identity or the Azure CLI, in DefaultAzureCredential's order.

                Examples:
                  meterbook call --endpoint https://RES.openai.azure.com --deployment gpt-4o "Write a one-sentence bedtime story about a unicorn."
                  meterbook call --endpoint https://RES.services.ai.azure.com/api/projects/PROJ --deployment gpt-4.1 "Hello"
                  meterbook call --endpoint https://RES.services.ai.azure.com/anthropic --deployment claude-sonnet-4-5 --stream "Hello"
                  meterbook call --auth entra --endpoint https://RES.openai.azure.com --deployment gpt-4o "Hello"
                """
        )

        enum API: String, ExpressibleByArgument, CaseIterable {
            case responses, chat, messages, embeddings

            var kind: APIKind {
                switch self {
                case .responses: return .responses
                case .chat: return .chatCompletions
                case .messages: return .messages
                case .embeddings: return .embeddings
                }
            }
        }

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("The resource's endpoint URL (Azure OpenAI, Foundry project, or Claude's .../anthropic).", valueName: "url"))
        var endpoint: String?

        @Option(help: ArgumentHelp("The deployment (or Claude model) to call.", valueName: "name"))
        var deployment: String

        @Option(help: "The API: \(API.allCases.map(\.rawValue).joined(separator: ", ")). Default: messages for Claude endpoints, else responses.")
        var api: API?

        @Option(name: .customLong("api-version"), help: ArgumentHelp("Use the deployment-path style with this api-version (Azure OpenAI), or the Foundry project API version.", valueName: "version"))
        var apiVersion: String?

        @Option(help: "How to authenticate: key (the API key variables) or entra (Entra ID tokens, keyless). Default: [auth] mode in the config, else key.")
        var auth: AuthOption?

        @Option(help: ArgumentHelp("The Entra ID scope for --auth entra. Default: [auth] scope in the config, else https://ai.azure.com/.default for Foundry projects and https://cognitiveservices.azure.com/.default otherwise.", valueName: "scope"))
        var scope: String?

        @Flag(help: "Stream the answer as it is generated.")
        var stream = false

        @Option(name: .customLong("max-tokens"), help: "Upper bound on generated tokens.")
        var maxTokens: Int?

        @Option(name: .customLong("max-retries"), help: "Retries after the first attempt (default 2, as the SDKs).")
        var maxRetries: Int = 2

        @Option(name: .customLong("tag"), help: ArgumentHelp("A label stored with the call (repeatable).", valueName: "key=value"))
        var tags: [String] = []

        @Argument(help: "The prompt.")
        var prompt: String

        func validate() throws {
            if stream, api == .embeddings { throw ValidationError("Embeddings do not stream: drop --stream.") }
            if maxRetries < 0 { throw ValidationError("--max-retries must be 0 or more.") }
            if let maxTokens, maxTokens <= 0 { throw ValidationError("--max-tokens must be a positive number.") }
            if scope != nil, auth == .key { throw ValidationError("--scope is for Entra ID: use it with --auth entra.") }
        }

        func run() async throws {
            let tags = try TagParser.parse(self.tags)
            let endpoint = try resolveEndpoint()
            let api = self.api?.kind ?? Self.defaultAPI(for: endpoint)
            let config = try store.loadConfig()
            let credential: Credential
            do {
                credential = try Credential.make(auth?.mode ?? config.auth.mode ?? .key, for: endpoint, scope: scope ?? config.auth.scope)
            } catch let error as MeterbookError {
                throw CommandFailure(message: error.message)
            }
            let database = try store.openForWriting()
            let recorder = Recorder(store: database, logger: .cli("meterbook.recorder"))
            defer { recorder.close() }
            var options = ClientOptions()
            options.maxRetries = maxRetries
            let client = MeterbookClient(endpoint: endpoint, credential: credential, recorder: recorder, options: options,
                                         costPolicy: config.costPolicy, logger: .cli("meterbook.client"))
            let request = makeRequest(api: api, tags: tags)
            do {
                let record: AttemptRecord?
                if stream {
                    let events = try await client.stream(request)
                    for try await text in events.textDeltas() { Console.out(text, terminator: "") }
                    Console.out("")
                    record = events.record
                } else {
                    let response = try await client.send(request)
                    Console.out(response.outputText ?? Self.embeddingSummary(response) ?? String(decoding: response.body, as: UTF8.self))
                    record = response.record
                }
                await recorder.flush()
                if let record { Console.note(Self.summary(record)) }
            } catch let error as MeterbookError {
                await recorder.flush()
                throw CommandFailure(message: error.description + (error.callID.map { ". Investigate with the call id \($0)" } ?? ""))
            }
        }

        private func resolveEndpoint() throws -> Endpoint {
            guard let endpoint else {
                return api == .messages ? try Endpoint.claudeOnFoundryFromEnvironment() : try Endpoint.azureOpenAIFromEnvironment()
            }
            let lowered = endpoint.lowercased()
            if api == .messages || lowered.contains("/anthropic") {
                return try .claudeOnFoundry(baseURL: endpoint)
            }
            if lowered.contains("/api/projects/") {
                return try .foundryProject(endpoint: endpoint, apiVersion: apiVersion ?? Endpoint.defaultFoundryProjectAPIVersion)
            }
            return try .azureOpenAI(baseURL: endpoint, apiVersion: apiVersion)
        }

        private static func defaultAPI(for endpoint: Endpoint) -> APIKind {
            endpoint.provider.isAnthropic ? .messages : .responses
        }

        private func makeRequest(api: APIKind, tags: [String: String]) -> CallRequest {
            switch api {
            case .chatCompletions: return .chat(deployment: deployment, message: prompt, stream: stream, maxTokens: maxTokens, tags: tags)
            case .messages: return .messages(model: deployment, message: prompt, stream: stream, maxTokens: maxTokens ?? 1024, tags: tags)
            case .embeddings: return .embeddings(deployment: deployment, input: prompt, tags: tags)
            default: return .responses(deployment: deployment, input: prompt, stream: stream, maxOutputTokens: maxTokens, tags: tags)
            }
        }

        private static func embeddingSummary(_ response: CallResponse) -> String? {
            guard response.record.api == .embeddings,
                  let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                  let data = object["data"] as? [[String: Any]], let vector = data.first?["embedding"] as? [Any] else { return nil }
            return "embedding with \(vector.count) dimensions"
        }

        static func summary(_ record: AttemptRecord) -> String {
            var parts = ["call id \(record.callID)"]
            if record.attempt > 1 { parts.append("\(record.attempt) attempts") }
            if let input = record.inputTokens, let output = record.outputTokens { parts.append("\(input) in / \(output) out tokens") }
            parts.append(record.costUSD.map { String(format: "$%.6f", $0) } ?? "cost unknown (no price for this model)")
            if let latency = record.latencyMs { parts.append(String(format: "%.0f ms", latency)) }
            return "recorded: " + parts.joined(separator: ", ")
        }
    }
}
