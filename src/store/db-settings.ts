/** A transaction's local settings in force (./db.ts withLocalSettings; issue 7, perf7g), `send` sending each `SET LOCAL`. */
export function localSettings(send: (sql: string) => void) {
  const inForce = new Map<string, string>();
  /** Settings whose statements are done: reset before the next statement sent (none before COMMIT). */
  const toReset = new Set<string>();
  const resetDone = (keep?: Readonly<Record<string, string>>) => {
    for (const name of toReset) {
      if (keep?.[name] === inForce.get(name)) continue;
      send(`SET LOCAL ${name} TO DEFAULT`);
      inForce.delete(name);
    }
    toReset.clear();
  };
  return {
    resetDone,
    setLocal: (settings: Readonly<Record<string, string>>) => {
      resetDone(settings);
      for (const [name, value] of Object.entries(settings)) {
        if (inForce.get(name) === value) continue;
        send(`SET LOCAL ${name} = ${value}`);
        inForce.set(name, value);
      }
    },
    doneWith: (settings: Readonly<Record<string, string>>) => {
      for (const name of Object.keys(settings)) toReset.add(name);
    },
  };
}
