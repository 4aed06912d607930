// Runs once when the server starts (Next's instrumentation hook): operations a previous run of the
// dashboard left half-done are found and put back now, not on the first request (lib/operations).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { recoverAtStart } = await import("@/lib/operations");
  void recoverAtStart();
}
