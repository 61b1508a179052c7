// The bare baseline's only activity: does nothing, so what is measured is Temporal's own cost.
export async function noop(): Promise<void> {}
