import { status } from '@grpc/grpc-js';

/**
 * A call that failed in transport (not "the other side said no"), with its gRPC status, so
 * callers can tell a peer that is gone from one that refused.
 */
export class TransportError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
  }
  /** The call may not have reached the other side, or its answer was lost. */
  get unreachable(): boolean {
    return this.code === status.UNAVAILABLE || this.code === status.DEADLINE_EXCEEDED || this.code === status.CANCELLED;
  }
}
