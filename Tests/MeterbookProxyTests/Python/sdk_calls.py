"""Calls the simulator through the recording proxy with the official OpenAI and Anthropic Python SDKs.

Usage: sdk_calls.py PROXY_URL SIMULATOR_URL

Faults are scripted on the simulator directly (not through the proxy). Prints one JSON object: the calls made,
with what each SDK returned, for PythonSDKTests to compare with the recorded rows and the simulator's log.
"""
import json
import sys
import urllib.request

import anthropic
import openai

PROXY, SIMULATOR = sys.argv[1].rstrip("/"), sys.argv[2].rstrip("/")
calls = []


def script(*faults):
    body = json.dumps({"faults": list(faults)}).encode()
    request = urllib.request.Request(SIMULATOR + "/_sim/script", data=body, method="POST",
                                     headers={"content-type": "application/json"})
    urllib.request.urlopen(request).read()


def throttle():
    return {"type": "throttle", "retryAfterMs": 20}


def record(name, sdk_attempts, response_id, **extra):
    calls.append({"name": name, "attempts": sdk_attempts, "response_id": response_id, **extra})


# Azure OpenAI: deployment-path URLs with api-version.
azure = openai.AzureOpenAI(azure_endpoint=PROXY, api_key="client-key", api_version="2024-10-21", max_retries=2)
script(throttle())
chat = azure.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "unicorn story"}])
assert chat.usage.total_tokens > 0
record("azure chat", 2, chat.id)

# A stream without stream_options: the proxy asks upstream for usage, the client must not see the extra chunk.
script(throttle())
text, stream_id, saw_usage, chunks = "", None, False, 0
for chunk in azure.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True):
    chunks += 1
    stream_id = stream_id or (chunk.id or None)
    saw_usage = saw_usage or chunk.usage is not None
    if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
        text += chunk.choices[0].delta.content
assert text and not saw_usage, "the client saw a usage chunk it did not ask for"
record("azure chat stream", 2, stream_id, client_saw_usage=saw_usage, text_length=len(text))

embedding = azure.embeddings.create(model="text-embedding-3-small", input="hello")
record("azure embeddings", 1, None, prompt_tokens=embedding.usage.prompt_tokens)

# OpenAI client on the Azure v1 surface.
v1 = openai.OpenAI(base_url=PROXY + "/openai/v1/", api_key="client-key", max_retries=2)
script(throttle(), {"type": "serverError", "status": 503})
response = v1.responses.create(model="gpt-5-mini", input="hello")
record("v1 responses", 3, response.id, output_tokens=response.usage.output_tokens)

with v1.responses.stream(model="gpt-4.1", input="hello") as stream:
    for _ in stream:
        pass
    final = stream.get_final_response()
record("v1 responses stream", 1, final.id, total_tokens=final.usage.total_tokens)

# Anthropic through the named upstream "claude".
claude = anthropic.Anthropic(base_url=PROXY + "/claude/anthropic", api_key="client-key", max_retries=2)
script({"type": "serverError", "status": 529})
message = claude.messages.create(model="claude-opus-4-6", max_tokens=100, messages=[{"role": "user", "content": "hi"}])
record("claude messages", 2, message.id, output_tokens=message.usage.output_tokens)

script(throttle())
with claude.messages.stream(model="claude-haiku-4-5", max_tokens=80, messages=[{"role": "user", "content": "hi"}]) as stream:
    final_message = stream.get_final_message()
record("claude messages stream", 2, final_message.id, output_tokens=final_message.usage.output_tokens)

print(json.dumps({"calls": calls, "openai": openai.__version__, "anthropic": anthropic.__version__}))
