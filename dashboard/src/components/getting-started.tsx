import { useRef } from "react";
import { CopyButton } from "./copy-button";

/** The curl a newcomer can paste to see a request arrive, against this gateway's own address. */
export function curlExample(origin: string, model: string): string {
  return [
    `curl ${origin}/v1/chat/completions \\`,
    `  -H "Authorization: Bearer $SWITCHBOARD_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join("\n");
}

function CurlExample({ model }: { model: string }) {
  const codeRef = useRef<HTMLElement>(null);
  const text = curlExample(window.location.origin, model);
  return (
    <div className="code-block">
      <pre>
        <code ref={codeRef} data-testid="curl-example">
          {text}
        </code>
      </pre>
      <CopyButton text={text} selectTarget={codeRef} />
    </div>
  );
}

/**
 * What to do on an empty gateway: with no model at all, how to add one (the demo model to try,
 * a provider key, or switchboard.yaml); with models but no requests yet, a request to send.
 */
export function GettingStarted({ modelNames }: { modelNames: readonly string[] }) {
  if (modelNames.length === 0) {
    return (
      <section className="card getting-started" data-testid="no-models">
        <h2 className="card-title">No model is configured yet</h2>
        <p>
          This gateway has nothing to route requests to, so there is nothing to show. Add a model:
        </p>
        <ul>
          <li>
            To try it without a provider key, restart with the built-in demo model:{" "}
            <code>npm start -- --demo</code> (or <code>switchboard --demo</code>). It echoes your
            message with realistic token counts and a price.
          </li>
          <li>
            For real models, set a provider key before starting, e.g. <code>OPENAI_API_KEY</code>,{" "}
            <code>ANTHROPIC_API_KEY</code> or <code>GEMINI_API_KEY</code>: every model of that
            provider becomes available as <code>openai/gpt-4o</code> and so on.
          </li>
          <li>
            Or list models under <code>models:</code> in <code>./switchboard.yaml</code> (read at
            start):
            <pre>
              <code>{`models:\n  - { name: gpt-4o, provider: openai, apiKey: "\${OPENAI_API_KEY}" }`}</code>
            </pre>
          </li>
        </ul>
        <p>Then send a request (with the demo model):</p>
        <CurlExample model="demo-echo" />
      </section>
    );
  }
  return (
    <section className="card getting-started" data-testid="no-requests">
      <h2 className="card-title">No requests yet</h2>
      <p>
        Spend, requests and errors appear here as requests go through the gateway. Send one with a
        key (the master key or a team key):
      </p>
      <CurlExample model={modelNames[0] ?? "demo-echo"} />
    </section>
  );
}
