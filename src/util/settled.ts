// Several storage calls side by side, without leaving any running behind a
// failure: a caller that cleans up after a throw (closing handles, deleting
// files) must not race the calls still in flight.

/** Every promise settled, then their values in order, or the first failure. */
export async function settled<T>(ps: Promise<T>[]): Promise<T[]> {
  const rs = await Promise.allSettled(ps);
  const failed = rs.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return rs.map((r) => (r as PromiseFulfilledResult<T>).value);
}
