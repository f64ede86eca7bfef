import { useRef } from "react";
import { CopyButton } from "../../components/copy-button";

/**
 * The new key's secret, this once: the gateway keeps only its hash. "Done" drops it from the
 * page's state, so it is not in memory or on screen afterwards.
 */
export function NewKeySecret({
  name,
  secret,
  onDone,
}: {
  name: string;
  secret: string;
  onDone(): void;
}) {
  const secretRef = useRef<HTMLElement>(null);
  return (
    <div className="new-key">
      <p>
        The key <strong>{name}</strong> was created. Copy its secret now and keep it somewhere safe:
      </p>
      <div className="code-block secret-block">
        <code ref={secretRef} data-testid="new-key-secret">
          {secret}
        </code>
        <CopyButton text={secret} selectTarget={secretRef} />
      </div>
      <p className="warning" role="note">
        It will not be shown again. If it is lost, revoke the key and create a new one.
      </p>
      <div className="form-actions">
        <button type="button" className="button-primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
