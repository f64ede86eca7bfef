import type { AddressInfo } from "node:net";
import { createBareProxy } from "./bare-proxy.ts";
import { serveAsChild } from "./child-process.ts";

/** `npx tsx bench/serve-bare-proxy.ts <upstream origin>` prints `http://127.0.0.1:<port>`. */
const upstreamOrigin = process.argv[2];
if (!upstreamOrigin)
  throw new Error("usage: serve-bare-proxy.ts <upstream origin, e.g. http://127.0.0.1:4010>");

const proxy = createBareProxy({ upstreamOrigin });
await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
const { port } = proxy.server.address() as AddressInfo;
serveAsChild(`http://127.0.0.1:${port}`, proxy.close);
