/**
 * Concurrent follow streams one user (or one API token) may hold: each pins an engine stream per
 * worker, timers and a reorder buffer. The API edge enforces it (lib/api/stream-slots.ts).
 */
export const MAX_STREAMS_PER_PRINCIPAL = 8;
