/*
 * Live events (requestLogged, budgetThresholdReached) across instances (DESIGN §7): the event
 * target behind createGatewayEvents() pairs an in-memory target with graphql-yoga's Redis one.
 * An event reaches this instance's subscribers at once, in memory, as without Redis, and every
 * other instance's through Redis, which skip it when it comes back here. So a local live feed
 * neither waits for a subscription to take effect in Redis nor goes quiet during an outage; only
 * the other instances' events are missed then (the request log in the database is complete
 * either way). Requests never wait for or fail on a publish.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import type { Redis } from "ioredis";
import type { RedisConnection } from "./redis-connection.ts";
import { keepSubscribed } from "./redis-subscription.ts";

/** Each event topic is a channel under this (after the connection's key prefix: `switchboard:events:<topic>`). */
export const eventChannelPrefix = "events:";

export interface RedisEventsOptions {
  connection: RedisConnection;
  /** Tells this instance's own events apart when Redis hands them back. */
  instanceId?: string;
  /** Told about failed publishes (once per run of failures) and unreadable messages. */
  onProblem?: (message: string, error: unknown) => void;
}

/**
 * The event target for createGatewayEvents(eventTarget), and `stop()` to end its Redis
 * subscriptions. It shares the connection's subscriber with the other Redis users: the library
 * subscribes per topic and looks each message's channel up among its own topics.
 */
export function connectRedisEvents<Event extends CustomEvent = CustomEvent>({
  connection,
  instanceId = randomUUID(),
  onProblem = () => {},
}: RedisEventsOptions) {
  const channelPrefix = connection.keyPrefix + eventChannelPrefix;
  // Each message starts with its sender's id and a newline, then the serialized event.
  const ownMark = `${instanceId}\n`;
  const messageListeners = new Set<(channel: string, message: string) => void>();
  const subscription = keepSubscribed({
    subscriber: connection.subscriber,
    onMessage: (channel, message) => {
      if (message.startsWith(ownMark)) return;
      const topic = channel.slice(channelPrefix.length);
      for (const listener of messageListeners) listener(topic, message);
    },
    onProblem,
  });
  let publishFailing = false;

  /*
   * The library (v3) calls only these: on("message"), subscribe, unsubscribe and publish, and
   * leaves their promises unhandled: one rejection during an outage would end the process. So
   * it gets stand-ins that prefix the channels, keep the subscription across outages and report
   * failures instead.
   */
  const subscribeClient = {
    on(event: string, listener: (channel: string, message: string) => void) {
      if (event === "message") messageListeners.add(listener);
      return subscribeClient;
    },
    subscribe: async (topic: string) => subscription.add(channelPrefix + topic),
    unsubscribe: async (topic: string) => subscription.remove(channelPrefix + topic),
  };
  const publishClient = {
    publish: (topic: string, message: string) =>
      connection.commands.publish(channelPrefix + topic, message).then(
        (receivers) => {
          publishFailing = false;
          return receivers;
        },
        (error: unknown) => {
          // Every request publishes: one report per outage, not one per request.
          if (!publishFailing)
            onProblem(
              `publishing live events failed; other instances' subscribers miss them until Redis is back`,
              error,
            );
          publishFailing = true;
          return 0;
        },
      ),
  };
  const remote = createRedisEventTarget<Event>({
    publishClient: publishClient as unknown as Redis,
    subscribeClient: subscribeClient as unknown as Redis,
    serializer: {
      stringify: (detail) => ownMark + eventSerializer.stringify(detail),
      parse: (message) => eventSerializer.parse(message.slice(message.indexOf("\n") + 1)),
    },
  });
  // Every open dashboard and live feed is one listener; Node's default warns past 10 of them.
  const local = new EventTarget();
  setMaxListeners(0, local);

  const eventTarget = {
    addEventListener(topic: string, callback: EventListenerOrEventListenerObject | null) {
      local.addEventListener(topic, callback);
      remote.addEventListener(topic, callback as never);
    },
    removeEventListener(topic: string, callback: EventListenerOrEventListenerObject | null) {
      local.removeEventListener(topic, callback);
      remote.removeEventListener(topic, callback as never);
    },
    dispatchEvent(event: Event) {
      local.dispatchEvent(event);
      return remote.dispatchEvent(event);
    },
  } as typeof remote;
  return {
    eventTarget,
    /** Unsubscribes from every topic: events from other instances stop, this one's still flow. */
    stop: () => subscription.stop(),
  };
}

const tags = new Set(["$bigint", "$date", "$object"]);

/**
 * JSON that gives back bigints and Dates as they were: a request log's costNanoUsd is a bigint
 * and its createdAt a Date on every instance. They travel as one-key objects ({"$bigint": "12"});
 * a plain object that happens to look like one (a caller's metadata) is wrapped in {"$object"}.
 */
export const eventSerializer = {
  stringify: (value: unknown): string => JSON.stringify(encode(value)),
  parse: (text: string): unknown => decode(JSON.parse(text)),
};

function encode(value: unknown): unknown {
  if (typeof value === "bigint") return { $bigint: value.toString() };
  if (value instanceof Date)
    return { $date: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (Array.isArray(value)) return value.map(encode);
  if (value === null || typeof value !== "object") return value;
  const { toJSON } = value as { toJSON?: () => unknown };
  if (typeof toJSON === "function") return encode(toJSON.call(value));
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  const encoded = Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, encode(item)]),
  );
  const keys = Object.keys(encoded);
  return keys.length === 1 && tags.has(keys[0]) ? { $object: encoded } : encoded;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [[key, inner]] = entries;
    if (key === "$bigint" && typeof inner === "string") return BigInt(inner);
    if (key === "$date" && (typeof inner === "string" || inner === null))
      return new Date(inner ?? Number.NaN);
    if (key === "$object" && inner !== null && typeof inner === "object")
      return decodeEntries(inner);
  }
  return decodeEntries(value);
}

function decodeEntries(object: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, decode(item)]));
}
