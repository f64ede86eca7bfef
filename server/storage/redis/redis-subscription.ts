/*
 * A subscription on the shared subscriber connection (RedisConnection.subscriber) that the
 * directory sync, the cooldown sharing and the live events each hold for their own channels.
 * ioredis hands every channel's messages to every 'message' listener, so each subscription
 * passes on only its own channels; SUBSCRIBE and UNSUBSCRIBE name channels, so one holder never
 * drops another's. Nothing here throws or rejects: failures go to `onProblem`.
 */
import type { RedisConnection } from "./redis-connection.ts";

export interface SubscriptionOptions {
  subscriber: RedisConnection["subscriber"];
  channels?: string[];
  onMessage: (channel: string, message: string) => void;
  /**
   * Called each time the channels are subscribed: at first, and again when the subscription is
   * back after an outage. What was published in between is lost, so this is the moment to
   * reload whatever the messages would have said.
   */
  onSubscribed?: () => void;
  onProblem: (message: string, error: unknown) => void;
}

export interface Subscription {
  add(channel: string): void;
  remove(channel: string): void;
  /** Unsubscribes and removes the listeners; never hangs on an outage. */
  stop(): Promise<void>;
}

export function keepSubscribed({
  subscriber,
  channels = [],
  onMessage,
  onSubscribed = () => {},
  onProblem,
}: SubscriptionOptions): Subscription {
  const wanted = new Set(channels);
  let lost = false;
  let stopped = false;

  /*
   * A SUBSCRIBE sent while Redis is away is dropped by ioredis (and then not re-sent), so a
   * failure waits for the next 'ready'. Redis answers in order: once this SUBSCRIBE is
   * acknowledged, ioredis's own re-subscription after a reconnect (sent before it) holds too.
   */
  function subscribeTo(list: string[]): void {
    if (list.length === 0) return;
    subscriber.subscribe(...list).then(
      () => {
        if (!stopped) onSubscribed();
      },
      (error: unknown) =>
        onProblem(`subscribing to ${list.join(", ")} failed; retrying when Redis is back`, error),
    );
  }

  function handleMessage(channel: string, message: string): void {
    if (stopped || !wanted.has(channel)) return;
    // Thrown inside ioredis's socket handler, an error would take the process down.
    try {
      onMessage(channel, message);
    } catch (error) {
      onProblem(`handling a message on ${channel} failed`, error);
    }
  }
  const handleClose = () => {
    lost = true;
  };
  const handleReady = () => {
    if (!lost || stopped) return;
    lost = false;
    subscribeTo([...wanted]);
  };

  subscriber.on("message", handleMessage);
  subscriber.on("close", handleClose);
  subscriber.on("ready", handleReady);
  subscribeTo([...wanted]);

  return {
    add(channel) {
      if (stopped || wanted.has(channel)) return;
      wanted.add(channel);
      subscribeTo([channel]);
    },
    remove(channel) {
      if (wanted.delete(channel)) void unsubscribeQuietly(subscriber, [channel]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      subscriber.off("message", handleMessage);
      subscriber.off("close", handleClose);
      subscriber.off("ready", handleReady);
      await unsubscribeQuietly(subscriber, [...wanted]);
    },
  };
}

/**
 * Unsubscribes without failing or hanging a shutdown: during an outage the command waits for a
 * reconnect or is dropped, and the listener is gone anyway, so this waits a second at most.
 */
async function unsubscribeQuietly(
  subscriber: RedisConnection["subscriber"],
  channels: string[],
): Promise<void> {
  if (channels.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    subscriber.unsubscribe(...channels).catch(() => {}),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, 1_000))),
  ]);
  clearTimeout(timer);
}
