'use client';
import { useMutation } from '@apollo/client/react';
import { useState } from 'react';
import { graphql } from '../../graphql/generated';
import { describeError } from './task-status';
import { TimeOfDay } from './time-of-day';

/** A new read-only link to one of the caller's tasks (one hour, the server's default). */
const ShareTaskMutation = graphql(`
  mutation ShareTask($id: ID!) {
    shareTask(id: $id) {
      url
      expiresAt
    }
  }
`);

/** Voids every link made so far for the task. */
const RevokeTaskShareMutation = graphql(`
  mutation RevokeTaskShare($id: ID!) {
    revokeTaskShare(id: $id)
  }
`);

/**
 * "Share": makes a link to a read-only live view of this task (/watch/<token>), shows it
 * ready to copy, and "Stop sharing" voids every link of the task. The link lives only in this
 * card's state: a reload forgets it (it still works until it expires or is stopped).
 */
export function ShareButton({ taskId, shortId }: { taskId: string; shortId: string }) {
  const [link, setLink] = useState<{ url: string; expiresAt: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [share, shareState] = useMutation(ShareTaskMutation, { variables: { id: taskId } });
  const [revoke, revokeState] = useMutation(RevokeTaskShareMutation, { variables: { id: taskId } });
  const busy = shareState.loading || revokeState.loading;
  const error = shareState.error ?? revokeState.error;

  const start = async () => {
    if (busy) return;
    const { data } = await share().catch(() => ({ data: undefined }));
    if (data) {
      setLink({ url: new URL(data.shareTask.url, window.location.origin).href, expiresAt: data.shareTask.expiresAt });
      setCopied(false);
    }
  };
  const stop = async () => {
    if (busy) return;
    const { data } = await revoke().catch(() => ({ data: undefined }));
    if (data?.revokeTaskShare) setLink(null);
  };
  const copy = async () => {
    if (!link) return;
    await navigator.clipboard?.writeText(link.url).then(
      () => setCopied(true),
      () => undefined,
    );
  };

  return (
    <div className="share" data-testid="share">
      {link ? (
        <>
          <label className="share-link">
            <span>
              Read-only live link, until <TimeOfDay iso={link.expiresAt} />:
            </span>
            <input type="text" readOnly value={link.url} data-testid="share-url" onFocus={(e) => e.currentTarget.select()} />
          </label>
          <button type="button" className="link" onClick={() => void copy()}>
            {copied ? 'Copied' : 'Copy link'}
          </button>
          <button type="button" className="link" onClick={() => void stop()} aria-disabled={busy} aria-label={`Stop sharing task ${shortId}`}>
            {revokeState.loading ? 'Stopping…' : 'Stop sharing'}
          </button>
        </>
      ) : (
        <button type="button" className="link" onClick={() => void start()} aria-disabled={busy} aria-label={`Share task ${shortId}`}>
          {shareState.loading ? 'Sharing…' : 'Share'}
        </button>
      )}
      {error && (
        <p className="task-error" role="alert">
          {describeError(error)}
        </p>
      )}
    </div>
  );
}
