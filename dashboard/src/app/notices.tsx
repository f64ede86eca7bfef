import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";

export type NoticeTone = "info" | "success" | "warning" | "error";

export interface Notice {
  /** Pushing a notice with an id that is shown already replaces it (e.g. one budget alert per budget). */
  id: string;
  tone: NoticeTone;
  title?: string;
  message: ReactNode;
  /** Dismissed by itself after this long; stays until dismissed when omitted. */
  timeoutMs?: number;
  /** The notice element's data-testid (e.g. "budget-alert"), for browser tests. */
  testId?: string;
}

interface NoticesContextValue {
  notices: readonly Notice[];
  /** Shows a notice at the top of every page; returns its id. */
  push(notice: Omit<Notice, "id"> & { id?: string }): string;
  dismiss(id: string): void;
}

const NoticesContext = createContext<NoticesContextValue | undefined>(undefined);
// More than this at once is noise; the oldest go first.
const mostShown = 5;

/** Keeps the notices shown across pages (budget alerts, confirmations). */
export function NoticeProvider({ children }: { children: ReactNode }) {
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  const nextId = useRef(0);
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setNotices((current) => current.filter((notice) => notice.id !== id));
  }, []);

  const push = useCallback(
    ({ id = `notice-${++nextId.current}`, ...notice }: Omit<Notice, "id"> & { id?: string }) => {
      setNotices((current) =>
        [...current.filter((shown) => shown.id !== id), { id, ...notice }].slice(-mostShown),
      );
      clearTimeout(timers.current.get(id));
      if (notice.timeoutMs)
        timers.current.set(
          id,
          setTimeout(() => dismiss(id), notice.timeoutMs),
        );
      return id;
    },
    [dismiss],
  );

  useEffect(() => {
    const pending = timers.current;
    return () => pending.forEach((timer) => clearTimeout(timer));
  }, []);

  const value = useMemo(() => ({ notices, push, dismiss }), [notices, push, dismiss]);
  return <NoticesContext.Provider value={value}>{children}</NoticesContext.Provider>;
}

/**
 * Pushes and dismisses the notices shown above every page, e.g. from a subscription:
 * `useNotices().push({ id: \`budget-\${alert.scopeId}\`, tone: "warning", title: "Budget at 80%", message })`.
 */
export function useNotices(): NoticesContextValue {
  const notices = useContext(NoticesContext);
  if (!notices) throw new Error("useNotices() needs a <NoticeProvider> above it.");
  return notices;
}

/** Where the notices show: a live region, so screen readers announce new ones. */
export function NoticeArea() {
  const { notices, dismiss } = useNotices();
  return (
    <section
      className="notice-area"
      aria-label="Notices"
      aria-live="polite"
      data-testid="notice-area"
    >
      {notices.map((notice) => (
        <div
          key={notice.id}
          className={`notice notice-${notice.tone}`}
          data-testid={notice.testId}
          role={notice.tone === "error" || notice.tone === "warning" ? "alert" : "status"}
        >
          <div className="notice-text">
            {notice.title && <strong>{notice.title}</strong>} {notice.message}
          </div>
          <button
            type="button"
            className="button-quiet"
            onClick={() => dismiss(notice.id)}
            aria-label={`Dismiss notice${notice.title ? `: ${notice.title}` : ""}`}
          >
            Dismiss
          </button>
        </div>
      ))}
    </section>
  );
}
